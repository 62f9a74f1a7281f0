"""Agreement of a grader with strict human grades: QWK, Spearman, MAE, exact and ±1
accuracy, per-case means, baselines, a confusion matrix and a report of the worst misses."""

from __future__ import annotations

import html
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, confusion_matrix


class GradingCase(BaseModel):
    model_config = ConfigDict(extra="allow")

    question: str
    answer: str
    score: int = Field(ge=0, le=5)
    question_id: str | None = None
    case: str | None = None
    split: str | None = None
    key_points: list[str] | None = None  # a dataset's own reference points, for point-level agreement
    points: dict[str, str] | None = None  # human verdict per key point index


@dataclass
class Agreement:
    name: str
    gold: list[int]
    pred: list[int]
    cases: list[str | None] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.gold)

    def metrics(self) -> dict[str, float | int]:
        g, p = np.array(self.gold), np.array(self.pred)
        qwk = cohen_kappa_score(g, p, weights="quadratic", labels=list(range(6)))
        rho = spearmanr(g, p).statistic if len(set(p)) > 1 and len(set(g)) > 1 else 0.0
        return {
            "qwk": round(float(qwk), 4),
            "spearman": round(float(rho), 4),
            "mae": round(float(np.abs(g - p).mean()), 4),
            "exact": round(float((g == p).mean()), 4),
            "within1": round(float((np.abs(g - p) <= 1).mean()), 4),
            "n": self.n,
        }

    def by_case(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for c, g, p in zip(self.cases, self.gold, self.pred):
            if c:
                groups[c].append((g, p))
        return {
            c: {"n": len(v), "gold": round(float(np.mean([g for g, _ in v])), 2),
                "pred": round(float(np.mean([p for _, p in v])), 2)}
            for c, v in sorted(groups.items())
        }


def quantile_map(values: list[float], gold: list[int]) -> list[int]:
    """Map a raw signal to 0–5 so that its score histogram matches the gold one (a baseline)."""
    order = np.argsort(values, kind="stable")
    sorted_gold = np.sort(gold)
    out = np.empty(len(values), dtype=int)
    out[order] = sorted_gold
    return out.tolist()


def confusion_png(agreement: Agreement, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = confusion_matrix(agreement.gold, agreement.pred, labels=list(range(6)))
    fig, ax = plt.subplots(figsize=(5, 4.4))
    ax.imshow(m, cmap="Blues")
    for i in range(6):
        for j in range(6):
            ax.text(j, i, str(m[i, j]), ha="center", va="center",
                    color="white" if m[i, j] > m.max() / 2 else "black")
    ax.set_xticks(range(6))
    ax.set_yticks(range(6))
    ax.set_xlabel("predicted score")
    ax.set_ylabel("human score")
    mt = agreement.metrics()
    ax.set_title(f"{agreement.name}: QWK {mt['qwk']:.2f}, MAE {mt['mae']:.2f} (n={mt['n']})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _summary_lines(summary: dict) -> list[tuple[str, str]]:
    """The figures beside QWK, as (label, value) pairs for every report format."""
    out = []
    fw = summary.get("false_wrong")
    if fw:
        out.append(("false-wrong rate (사람 ≥ 4인데 '틀림'으로 지적)", f"{fw['rate']:.3f} ({fw['flagged']}/{fw['n']})"))
    if "not_in_notes" in summary:
        out.append(("'노트에 없음'으로 점수 없이 끝난 답변", str(summary["not_in_notes"])))
    inj = summary.get("injection")
    if inj and inj.get("checked"):
        out.append(("주입 문장 때문에 오른 점수", f"{inj['raised']}/{inj['checked']}"))
    for kind, mae in (summary.get("language_mae") or {}).items():
        out.append((f"MAE ({kind})", f"{mae:.3f}"))
    low = summary.get("low_confidence")
    if low and low.get("n"):
        out.append(("확신 낮음 표시 (MAE: 낮음 / 나머지)", f"{low['n']}개 ({low['mae']} / {low['mae_rest']})"))
    pts = summary.get("points")
    if pts:
        f1 = " · ".join(f"{k} {v:.2f}" for k, v in pts["f1"].items())
        out.append(("포인트 판정 macro-F1", f"{pts['macro_f1']:.3f} ({f1}; n={pts['n']}, 정렬 {pts['aligned']:.0%})"))
    return out


def write_report(directory: Path, results: dict[str, Agreement], rows: list[dict], main: str,
                 summary: dict | None = None) -> list[Path]:
    """Markdown + HTML report: metrics side by side, the figures beside them, per-case means,
    the point-level confusion matrix and the worst disagreements."""
    summary = summary or {}
    directory.mkdir(parents=True, exist_ok=True)
    png = directory / "confusion.png"
    confusion_png(results[main], png)
    worst = sorted(rows, key=lambda r: -abs(r["gold"] - r["pred"]))[:25]
    cases = results[main].by_case()
    extra = _summary_lines(summary)
    pts = summary.get("points") or {}
    md = ["# 채점 평가 보고서", "", "| grader | QWK | Spearman | MAE | exact | ±1 | n |", "|---|---|---|---|---|---|---|"]
    for name, a in results.items():
        m = a.metrics()
        md.append(f"| {name} | {m['qwk']:.3f} | {m['spearman']:.3f} | {m['mae']:.3f} | {m['exact']:.3f} | {m['within1']:.3f} | {m['n']} |")
    md += ["", *(f"- {k}: {v}" for k, v in extra), "", f"![confusion matrix]({png.name})", "",
           f"## 유형별 평균 점수 ({main})", "", "| case | n | human | predicted |", "|---|---|---|---|"]
    for c, v in cases.items():
        md.append(f"| {c} | {v['n']} | {v['gold']:.2f} | {v['pred']:.2f} |")
    if pts:
        labels = pts["confusion"]["labels"]
        md += ["", "## 포인트 판정 혼동 행렬 (행: 사람, 열: 채점기)", "",
               "| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
        for label, row in zip(labels, pts["confusion"]["matrix"]):
            md.append(f"| {label} | " + " | ".join(str(x) for x in row) + " |")
    md += ["", "## 가장 크게 어긋난 채점", "", "| human | predicted | case | question | answer |", "|---|---|---|---|---|"]
    for r in worst:
        ans = r["answer"].replace("|", "\\|").replace("\n", " ")
        md.append(f"| {r['gold']} | {r['pred']} | {r.get('case') or ''} | {r['question']} | {ans[:160]} |")
    md_path = directory / "report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")

    def table(head: list[str], body: list[list]) -> str:
        return ("<table><tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in head) + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in row) + "</tr>" for row in body)
                + "</table>")

    metrics = table(["grader", "QWK", "Spearman", "MAE", "exact", "±1", "n"],
                    [[n, *(a.metrics()[k] for k in ("qwk", "spearman", "mae", "exact", "within1", "n"))]
                     for n, a in results.items()])
    parts = ["<!doctype html><meta charset='utf-8'><title>채점 평가 보고서</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}td,th{border:1px solid #ccc;padding:4px}"
             "table{border-collapse:collapse;margin:8px 0}</style>",
             "<h1>채점 평가 보고서</h1>", metrics,
             "<ul>" + "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in extra) + "</ul>",
             f"<img src='{png.name}'>", f"<h2>유형별 평균 점수 ({html.escape(main)})</h2>",
             table(["case", "n", "human", "predicted"], [[c, v["n"], v["gold"], v["pred"]] for c, v in cases.items()])]
    if pts:
        labels = pts["confusion"]["labels"]
        parts += ["<h2>포인트 판정 혼동 행렬 (행: 사람, 열: 채점기)</h2>",
                  table(["", *labels], [[label, *row] for label, row in zip(labels, pts["confusion"]["matrix"])])]
    parts += ["<h2>가장 크게 어긋난 채점</h2>",
              table(["human", "predicted", "case", "question", "answer"],
                    [[r["gold"], r["pred"], r.get("case") or "", r["question"], r["answer"][:300]] for r in worst])]
    html_path = directory / "report.html"
    html_path.write_text("".join(parts), encoding="utf-8")
    (directory / "predictions.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return [md_path, html_path, png]


# -- the batch run behind `tutor eval grading` -----------------------------------------

@dataclass
class GradingRun:
    main: Agreement
    baselines: dict[str, Agreement]
    rows: list[dict]
    fallbacks: int = 0
    extra: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)

    def language_mae(self) -> dict[str, float]:
        out = {}
        for kind in ("english", "mixed"):
            errs = [abs(r["gold"] - r["pred"]) for r in self.rows if r.get("case") == kind]
            if errs:
                out[kind] = round(float(np.mean(errs)), 3)
        return out

    def as_dict(self) -> dict:
        return {**self.main.metrics(), "grader": self.main.name, "fallbacks": self.fallbacks,
                "baselines": {n: a.metrics() for n, a in self.baselines.items()},
                "by_case": self.main.by_case(), "language_mae": self.language_mae(),
                **self.extra, "points": self.points}

    def write_report(self, directory: Path) -> list[Path]:
        return write_report(directory, {self.main.name: self.main, **self.baselines}, self.rows, self.main.name,
                            summary=self.as_dict())


def evaluate_grading(cases: list[GradingCase], grader: str = "offline", progress=None,
                     service=None) -> GradingRun:
    from tutor.grading.service import GradingService
    from tutor.grading.text import read_answer

    service = service or GradingService()
    results = []
    ctx = progress if progress is not None else _NullProgress()
    with ctx:
        task = ctx.add_task(f"{grader} 채점", total=len(cases))
        for case in cases:
            results.append(service.grade(case.question_id or case.question, case.answer, grader=grader))
            ctx.advance(task)
    gold = [c.score for c in cases]
    kinds = [c.case for c in cases]
    name = "offline" if grader == "offline" else f"llm ({service.settings.llm})"
    # "Not in the notes" has no score; on a set of covered questions it is a miss, counted as 0.
    main = Agreement(name, gold, [r.score or 0 for r in results], kinds)
    # Baselines, mapped to 0–5 by matching the gold histogram of this very set (generous to them).
    lengths = [len(c.answer) for c in cases]
    sims = [service.answer_passage_similarity(c.question_id or c.question, c.answer) for c in cases]
    baselines = {
        "answer length": Agreement("answer length", gold, quantile_map(lengths, gold), kinds),
        "answer↔passage cosine": Agreement("answer↔passage cosine", gold, quantile_map(sims, gold), kinds),
    }
    rows = [
        {"question": c.question, "answer": c.answer, "gold": c.score, "pred": r.score or 0, "case": c.case,
         "grader": r.grader, "flags": r.flags, "covered": r.covered, "missing": r.missing,
         "misconceptions": r.misconceptions, "notes_cover": r.notes_cover, "confidence": r.confidence,
         "verdicts": {v.id: v.status for v in r.key_points}}
        for c, r in zip(cases, results)
    ]
    fallbacks = sum("fallback" in r.flags for r in results)
    run = GradingRun(main, baselines, rows, fallbacks)
    run.extra["not_in_notes"] = sum(not r.notes_cover for r in results)
    run.extra["false_wrong"] = false_wrong_rate(gold, results)
    # An injection must never raise a score: grade each injected answer again without it.
    raised, checked = 0, 0
    for c, r in zip(cases, results):
        if "injection" in r.flags:
            clean = " ".join(read_answer(c.answer).sentences)
            again = service.grade(c.question_id or c.question, clean, grader=grader)
            checked += 1
            raised += (r.score or 0) > (again.score or 0)
    run.extra["injection"] = {"checked": checked, "raised": raised}
    low = [i for i, r in enumerate(results) if r.low_confidence]
    run.extra["low_confidence"] = {"n": len(low), "mae": round(float(np.mean(
        [abs(gold[i] - (results[i].score or 0)) for i in low])), 3) if low else None,
        "mae_rest": round(float(np.mean([abs(g - (r.score or 0)) for i, (g, r) in enumerate(zip(gold, results))
                                         if i not in set(low)])), 3) if len(low) < len(results) else None}
    if any(c.points for c in cases):
        run.points = point_agreement(cases, results, service)
    return run


def false_wrong_rate(gold: list[int], results) -> dict:
    """Answers a human scored ≥ 4 that the grader tells they contradict the notes."""
    good = [r for g, r in zip(gold, results) if g >= 4]
    wrong = sum(bool(r.misconceptions) or any(v.status == "contradicted" for v in r.key_points) for r in good)
    return {"n": len(good), "flagged": wrong, "rate": round(wrong / len(good), 4) if good else 0.0}


STATUSES = ("covered", "partial", "missing", "contradicted")
ALIGN = 0.86  # e5 cosine for a dataset key point to be the same statement as a bank key point


def point_agreement(cases: list[GradingCase], results, service) -> dict:
    """The grader's verdicts against a dataset's per-key-point human verdicts.

    The dataset's key points are its own wording; each is aligned with the graded key point
    that says the same thing (e5 cosine ≥ ALIGN). A dataset point no graded point says is one
    the grader did not look for: its verdict counts as "missing"."""
    from sklearn.metrics import f1_score

    gold, pred, aligned, total = [], [], 0, 0
    for c, r in zip(cases, results):
        if not c.points or not c.key_points:
            continue
        graded = [v for v in r.key_points]
        vecs = service.offline.embed([v.point for v in graded]) if graded else None
        ref = service.offline.embed(list(c.key_points))
        for idx, human in c.points.items():
            i = int(idx)
            if i >= len(c.key_points) or human not in STATUSES:
                continue
            total += 1
            status = "missing"
            if graded and r.notes_cover:
                sims = vecs @ ref[i]
                j = int(sims.argmax())
                if sims[j] >= ALIGN:
                    aligned += 1
                    status = graded[j].status
            if "non_answer" in r.flags:
                status = "missing"
            gold.append(human)
            pred.append(status)
    if not gold:
        return {}
    matrix = confusion_matrix(gold, pred, labels=list(STATUSES)).tolist()
    per = f1_score(gold, pred, labels=list(STATUSES), average=None, zero_division=0)
    return {"n": len(gold), "aligned": round(aligned / total, 4) if total else 0.0,
            "macro_f1": round(float(np.mean(per)), 4),
            "f1": {s: round(float(f), 4) for s, f in zip(STATUSES, per)},
            "confusion": {"labels": list(STATUSES), "matrix": matrix}}


class _NullProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add_task(self, *a, **k):
        return 0

    def advance(self, *a, **k):
        pass


def print_grading(run: GradingRun, console) -> None:
    from rich.table import Table

    table = Table(title=f"채점 평가 (n={run.main.n})")
    table.add_column("grader")
    for col in ("QWK", "Spearman", "MAE", "exact", "±1"):
        table.add_column(col, justify="right")
    for name, a in {run.main.name: run.main, **run.baselines}.items():
        m = a.metrics()
        table.add_row(name, *(f"{m[k]:.3f}" for k in ("qwk", "spearman", "mae", "exact", "within1")))
    console.print(table)
    cases = run.main.by_case()
    if cases:
        t2 = Table(title="유형별 평균 점수")
        for col in ("case", "n", "human", "predicted"):
            t2.add_column(col)
        for c, v in cases.items():
            t2.add_row(c, str(v["n"]), f"{v['gold']:.2f}", f"{v['pred']:.2f}")
        console.print(t2)
    for label, value in _summary_lines(run.as_dict()):
        console.print(f"{label}: {value}", markup=False, highlight=False)
    if run.fallbacks:
        console.print(f"[yellow]LLM 응답 실패로 오프라인 채점기로 대체된 답변: {run.fallbacks}개[/]")


def fit_offline_model(cases: list[GradingCase], out: Path, progress=None, console=None) -> dict:
    """Fit the rubric's credit thresholds on `cases` and save them to `out`.

    Reports grouped 5-fold CV (group = question: a question is never in both sides) and, when
    the cases carry a test split, the held-out figures of the model fitted on train only."""
    from tutor.grading import fit as F
    from tutor.grading import rubric
    from tutor.grading.service import GradingService

    service = GradingService()
    train = [c for c in cases if c.split != "test"]
    test = [c for c in cases if c.split == "test"]
    ctx = progress if progress is not None else _NullProgress()
    verdicts, gold, groups = [], [], []
    with ctx:
        task = ctx.add_task("포인트 판정 (train)", total=len(train))
        for c in train:
            r = service.grade(c.question_id or c.question, c.answer, grader="offline")
            verdicts.append(None if r.score is None or "non_answer" in r.flags else
                            [rubric.PointCredit(v.status, v.weight) for v in r.key_points])
            gold.append(c.score)
            groups.append(c.question_id or c.question)
            ctx.advance(task)
    cv_pred = F.cross_validate_thresholds(verdicts, gold, groups)
    thresholds = F.fit_thresholds(verdicts, gold)
    summary = {"thresholds": [round(t, 3) for t in thresholds], "n": len(train),
               "cv": {"qwk": round(F.qwk(gold, cv_pred), 4), "mae": round(float(np.abs(np.array(gold) - cv_pred).mean()), 4)},
               "saved": str(out)}
    F.save({"thresholds": summary["thresholds"], "n": len(train), "cv": summary["cv"]}, out)
    if test:
        service.offline.thresholds = thresholds
        summary["test"] = evaluate_grading(test, grader="offline", service=service).main.metrics()
    if console is not None:
        console.print(f"grouped 5-fold CV (n={len(train)}): QWK {summary['cv']['qwk']:.3f}, MAE {summary['cv']['mae']:.3f}")
        if test:
            t = summary["test"]
            console.print(f"held-out test (n={t['n']}): QWK {t['qwk']:.3f}, MAE {t['mae']:.3f}")
        console.print(f"thresholds {summary['thresholds']} → {out}")
    return summary
