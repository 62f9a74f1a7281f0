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


def write_report(directory: Path, results: dict[str, Agreement], rows: list[dict], main: str) -> list[Path]:
    """Markdown + HTML report: metrics side by side, per-case means, the worst disagreements."""
    directory.mkdir(parents=True, exist_ok=True)
    png = directory / "confusion.png"
    confusion_png(results[main], png)
    worst = sorted(rows, key=lambda r: -abs(r["gold"] - r["pred"]))[:25]
    md = ["# 채점 평가 보고서", "", "| grader | QWK | Spearman | MAE | exact | ±1 | n |", "|---|---|---|---|---|---|---|"]
    for name, a in results.items():
        m = a.metrics()
        md.append(f"| {name} | {m['qwk']:.3f} | {m['spearman']:.3f} | {m['mae']:.3f} | {m['exact']:.3f} | {m['within1']:.3f} | {m['n']} |")
    md += ["", f"![confusion matrix]({png.name})", "", f"## 유형별 평균 점수 ({main})", "",
           "| case | n | human | predicted |", "|---|---|---|---|"]
    for c, v in results[main].by_case().items():
        md.append(f"| {c} | {v['n']} | {v['gold']:.2f} | {v['pred']:.2f} |")
    md += ["", "## 가장 크게 어긋난 채점", "", "| human | predicted | case | question | answer |", "|---|---|---|---|---|"]
    for r in worst:
        ans = r["answer"].replace("|", "\\|").replace("\n", " ")
        md.append(f"| {r['gold']} | {r['pred']} | {r.get('case') or ''} | {r['question']} | {ans[:160]} |")
    md_path = directory / "report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    rows_html = "".join(
        f"<tr><td>{r['gold']}</td><td>{r['pred']}</td><td>{html.escape(r.get('case') or '')}</td>"
        f"<td>{html.escape(r['question'])}</td><td>{html.escape(r['answer'][:300])}</td></tr>" for r in worst)
    table = "".join(
        f"<tr><td>{html.escape(n)}</td>" + "".join(f"<td>{a.metrics()[k]}</td>" for k in ("qwk", "spearman", "mae", "exact", "within1", "n")) + "</tr>"
        for n, a in results.items())
    html_path = directory / "report.html"
    html_path.write_text(
        "<!doctype html><meta charset='utf-8'><title>채점 평가 보고서</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}td,th{border:1px solid #ccc;padding:4px}</style>"
        "<h1>채점 평가 보고서</h1><table><tr><th>grader</th><th>QWK</th><th>Spearman</th><th>MAE</th><th>exact</th><th>±1</th><th>n</th></tr>"
        f"{table}</table><img src='{png.name}'><h2>가장 크게 어긋난 채점</h2>"
        f"<table><tr><th>human</th><th>predicted</th><th>case</th><th>question</th><th>answer</th></tr>{rows_html}</table>",
        encoding="utf-8")
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

    def as_dict(self) -> dict:
        return {**self.main.metrics(), "grader": self.main.name, "fallbacks": self.fallbacks,
                "baselines": {n: a.metrics() for n, a in self.baselines.items()},
                "by_case": self.main.by_case()}

    def write_report(self, directory: Path) -> list[Path]:
        return write_report(directory, {self.main.name: self.main, **self.baselines}, self.rows, self.main.name)


def evaluate_grading(cases: list[GradingCase], grader: str = "offline", progress=None,
                     service=None) -> GradingRun:
    from tutor.grading.service import GradingService

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
    main = Agreement(name, gold, [r.score for r in results], kinds)
    # Baselines, mapped to 0–5 by matching the gold histogram of this very set (generous to them).
    lengths = [len(c.answer) for c in cases]
    sims = [service.answer_passage_similarity(c.question_id or c.question, c.answer) for c in cases]
    baselines = {
        "answer length": Agreement("answer length", gold, quantile_map(lengths, gold), kinds),
        "answer↔passage cosine": Agreement("answer↔passage cosine", gold, quantile_map(sims, gold), kinds),
    }
    rows = [
        {"question": c.question, "answer": c.answer, "gold": c.score, "pred": r.score, "case": c.case,
         "grader": r.grader, "flags": r.flags, "covered": r.covered, "missing": r.missing,
         "misconceptions": r.misconceptions}
        for c, r in zip(cases, results)
    ]
    fallbacks = sum("fallback" in r.flags for r in results)
    return GradingRun(main, baselines, rows, fallbacks)


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
    if run.fallbacks:
        console.print(f"[yellow]LLM 응답 실패로 오프라인 채점기로 대체된 답변: {run.fallbacks}개[/]")


def fit_offline_model(cases: list[GradingCase], progress=None, console=None,
                      alphas=(0.1, 0.3, 1.0, 3.0, 10.0)) -> dict:
    """Fit the score model on the train split only; report grouped-CV and held-out figures."""
    from tutor.grading import fit as F
    from tutor.grading.offline import SCORE_MODEL_PATH
    from tutor.grading.service import GradingService

    service = GradingService()
    train = [c for c in cases if c.split == "train"]
    test = [c for c in cases if c.split == "test"]
    ctx = progress if progress is not None else _NullProgress()
    feats, gold, groups, fitted = [], [], [], []
    all_gold = [c.score for c in train]
    with ctx:
        task = ctx.add_task("특징 계산 (train)", total=len(train))
        for i, c in enumerate(train):
            r = service.grade(c.question_id or c.question, c.answer, grader="offline")
            if r.features and "non_answer" not in r.flags:  # non-answers are 0 by rule, not fitted
                feats.append(r.features)
                gold.append(c.score)
                groups.append(c.question_id or c.question)
                fitted.append(i)
            ctx.advance(task)

    def full(pred_fitted: np.ndarray) -> np.ndarray:
        pred = np.zeros(len(train), dtype=int)  # rule-based zeros stay zero
        pred[fitted] = pred_fitted
        return pred

    def scorer(model: dict, f: dict) -> int:
        return service.offline.score_with(model, f)

    cv = {a: full(F.cross_validate(feats, gold, groups, alpha=a, scorer=scorer)) for a in alphas}
    cv_qwk = {a: F.qwk(all_gold, p) for a, p in cv.items()}
    best = max(cv_qwk, key=cv_qwk.get)
    model = F.fit(feats, gold, alpha=best)
    model["cv_qwk"] = round(cv_qwk[best], 4)
    model["cv_mae"] = round(float(np.abs(np.array(all_gold) - cv[best]).mean()), 4)
    F.save(model, SCORE_MODEL_PATH)
    service.offline.model = model
    summary = {"alpha": best, "cv_qwk_by_alpha": {str(a): round(q, 4) for a, q in cv_qwk.items()},
               "train_cv": {"qwk": model["cv_qwk"], "mae": model["cv_mae"], "n": len(train),
                            "fitted_rows": len(gold)},
               "model": str(SCORE_MODEL_PATH)}
    if test:
        run = evaluate_grading(test, grader="offline", service=service)
        summary["test"] = run.main.metrics()
    if console is not None:
        console.print(f"alpha={best} (grouped 5-fold CV on train, n={len(train)}): "
                      f"QWK {model['cv_qwk']:.3f}, MAE {model['cv_mae']:.3f}")
        if test:
            t = summary["test"]
            console.print(f"held-out test (n={t['n']}): QWK {t['qwk']:.3f}, MAE {t['mae']:.3f}, "
                          f"Spearman {t['spearman']:.3f}")
        console.print(f"saved {SCORE_MODEL_PATH}")
    return summary
