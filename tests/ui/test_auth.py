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


def test_an_empty_host_is_not_loopback_and_means_what_gradio_will_bind():
    """Defect 5: `--host ""` with GRADIO_SERVER_NAME=0.0.0.0 listened on every interface without login."""
    from tutor.ui.auth import serving_host

    assert not is_loopback("")
    assert serving_host("", {"GRADIO_SERVER_NAME": "0.0.0.0"}) == "0.0.0.0"
    assert serving_host("  ", {}) == "127.0.0.1" and serving_host("::1", {"GRADIO_SERVER_NAME": "0.0.0.0"}) == "::1"


def test_failed_logins_lock_a_user_name_for_a_while():
    from tutor.ui.auth import LOCKOUT, MAX_FAILURES, Throttle

    now = [1000.0]
    check = checker({"a": "1", "b": "2"}, Throttle(clock=lambda: now[0]))
    for _ in range(MAX_FAILURES):
        assert not check("a", "guess")
    assert not check("a", "1")  # locked: even the right password is refused for now
    assert check("b", "2")      # other users are not
    now[0] += LOCKOUT + 1
    assert check("a", "1")


def test_serve_refuses_an_empty_host_without_login(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from tutor.cli import app

    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.delenv("TUTOR_AUTH", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", ""])
    assert isinstance(result.exception, InvalidInputError)  # before any model is loaded
    assert "0.0.0.0" in str(result.exception) and "TUTOR_AUTH" in str(result.exception)
