import pytest

from tutor.errors import InvalidInputError
from tutor.ui.auth import checker, is_loopback, parse_auth


def test_auth_from_a_list_or_a_file(tmp_path):
    assert parse_auth(None) == {} and parse_auth("  ") == {}
    assert parse_auth("민지:pw1, jh:p:w:2") == {"민지": "pw1", "jh": "p:w:2"}
    path = tmp_path / "users.txt"
    path.write_text("# 팀원\na:1\n\nb:2\n", encoding="utf-8")
    assert parse_auth(str(path)) == {"a": "1", "b": "2"}


@pytest.mark.parametrize("value", ["alice", "alice:", ":pw", "/no/such/users.txt"])
def test_bad_auth_settings_are_refused(value):
    with pytest.raises(InvalidInputError):
        parse_auth(value)


def test_checker_and_loopback():
    check = checker({"a": "1"})
    assert check("a", "1") and not check("a", "2") and not check("b", "1") and not check("a", None)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.0.10") and not is_loopback("example.com")
