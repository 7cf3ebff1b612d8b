"""The report: every claim of the study, then per sweep its figures, settings, findings and results table, as
Markdown and HTML.

What: `SweepSection` collects what was drawn for one sweep (figure files, why other figures were not drawn, the
settings per arm, the findings, the results table); `write_report(sections, out_dir)` writes `report.md` and
`report.html` beside the figures (image links are relative, so the folder can be moved or zipped whole). The report
opens with "Claims of the study": one row per claim of the study's catalog (`analysis.findings.claims_table` over
the sections' sweeps), so a claim without a sweep, or not testable at micro scale, is listed with the reason.

Why: one page to read a sweep's outcome, claim by claim, with the evidence next to it; the HTML needs no
Markdown renderer (it is written from the same blocks, not converted).
"""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path
from typing import Optional

import yaml

from analysis.effects import PARTS, Finding
from analysis.findings import ClaimRow, claims_table
from analysis.runs import Sweep
from analysis.table import ResultsTable, to_markdown

__all__ = ["SweepSection", "settings_rows", "spec_yaml", "write_report"]

VERDICT_MARK = {"supports": "✅ supports", "contradicts": "❌ contradicts", "cannot tell": "❔ cannot tell"}


@dataclasses.dataclass
class SweepSection:
    sweep: Sweep
    figures: list[tuple[str, str, str, list[Path]]] = dataclasses.field(default_factory=list)  # name, study, title
    notes: list[str] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    table: Optional[ResultsTable] = None
    table_image: Optional[Path] = None


def _fmt_value(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, tuple):
        return "[" + ", ".join(_fmt_value(x) for x in v) + "]"
    if isinstance(v, (dict, list)):  # a schedule or a list value: YAML flow style, as written in a spec
        return yaml.safe_dump(v, default_flow_style=True, sort_keys=False, width=10**6).strip()
    return str(v)


def spec_yaml(spec: dict) -> str:
    """A sweep's spec as the YAML block the report prints (key order kept)."""
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)


def settings_rows(sweep: Sweep) -> tuple[list[str], list[list[str]]]:
    """(header, rows): one row per arm — label, arm, seeds, states, branch, steps, differing config values."""
    header = ["arm", "name", "seeds", "states", "branch", "steps", "settings that differ"]
    rows = []
    for arm in sweep.arms:
        t = sweep.table[sweep.table["arm"] == arm]
        states = t["state"].fillna("unknown").value_counts()
        state_text = ", ".join(f"{n} {s}" for s, n in states.items())
        b = sweep.branch_step(arm)
        branch = f"from {sweep.label(sweep.parent_arm(arm) or '?')} at step {b}" if b is not None else ""
        last = t["last_step"].dropna()
        steps = f"≤ {int(last.max())}" if len(last) else "–"
        vals = []
        for k in sweep.value_keys:
            seen = list(dict.fromkeys(_fmt_value(v) for r in sweep.runs_of(arm)
                                      if (v := sweep.run_value(r, k)) is not None))
            if seen:
                vals.append(f"`{k}={'|'.join(seen)}`")
        vals = ", ".join(vals)
        rows.append([sweep.label(arm), f"`{arm}`", str(len(t)), state_text, branch, steps, vals])
    return header, rows


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    esc = [[str(c).replace("|", "\\|").replace("\n", " ") for c in r] for r in rows]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in esc]
    return "\n".join(out) + "\n"


def _inline_html(text: str) -> str:
    t = html.escape(str(text))
    t = re.sub(r"\*\*\*(.+?)\*\*\*", r"<b><i>\1</i></b>", t)
    t = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)
    t = re.sub(r"`(.+?)`", r"<code>\1</code>", t)
    return t


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_inline_html(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"


def _finding_rows(findings: list[Finding]) -> tuple[list[str], list[list[str]]]:
    header = ["claim (study)", "section", "measured", "effect [95% CI]", "seeds", "verdict", "note"]
    rows = [[f.claim, f.section, f.measure, f.effect_text(), f.seeds, VERDICT_MARK.get(f.verdict, f.verdict),
             f.note] for f in findings]
    return header, rows


def _claim_rows(rows: list[ClaimRow]) -> tuple[list[str], list[list[str]]]:
    """One row per claim; a claim measured in several parts lists them as (a), (b), … in each cell."""
    header = ["id", "claim (study)", "tested by", "measured", "effect [95% CI]", "seeds", "verdict", "note"]
    out = []
    for r in rows:
        c, parts = r.claim, r.parts
        tag = (lambda i: f"({PARTS[i]}) ") if len(parts) > 1 else (lambda i: "")
        by = f"sweep `{r.sweep}`" if r.sweep else (f"spec `{c.spec}`" if c.spec else "–")
        by += f" (figure {c.study_figure})" if c.study_figure else ""
        measured = "; ".join(tag(i) + f.measure for i, f in enumerate(parts)) or c.measure or "–"
        notes = [r.note] + [tag(i) + (f.verdict + (f": {f.note}" if f.note else "") if len(parts) > 1 else f.note)
                            for i, f in enumerate(parts) if f.note or len(parts) > 1]
        out.append([c.id, f"**{c.title}**: {c.text}", by, measured,
                    "; ".join(tag(i) + f.effect_text() for i, f in enumerate(parts)) or "–",
                    "; ".join(tag(i) + f.seeds for i, f in enumerate(parts)) or "–",
                    VERDICT_MARK.get(r.verdict, r.verdict), "; ".join(n for n in notes if n)])
    return header, out


def _claims_summary(rows: list[ClaimRow]) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    return (f"{len(rows)} claims, every bullet of the study's claim sections: "
            + ", ".join(f"{n} {v}" for v, n in counts.items()) + ". A claim measured in parts is read as their "
            "conjunction (it contradicts when a part contradicts, supports when every part supports); no verdict "
            "is drawn from one seed.")


def _table_rows(table: ResultsTable) -> tuple[list[str], list[list[str]]]:
    md = to_markdown(table).splitlines()
    split = [[c.strip() for c in line.strip().strip("|").split("|")] for line in md]
    return split[0], split[2:]


def _blocks(sections: list[SweepSection], skipped: list[str], claims: list[ClaimRow],
            notes: list[str]) -> list[tuple]:
    blocks: list[tuple] = [("h1", "MicroCoder study report")]
    if notes:
        blocks.append(("list", list(notes)))
    summary = [[s.sweep.name, s.sweep.figure or "–", ", ".join(f[0] for f in s.figures) or "–",
                str(len(s.sweep.table)), str(len(s.findings)),
                ", ".join(f"{sum(f.verdict == v for f in s.findings)} {v}" for v in VERDICT_MARK
                          if any(f.verdict == v for f in s.findings)) or "–"] for s in sections]
    blocks.append(("table", ["sweep", "spec figure", "figures drawn", "runs", "claims", "verdicts"], summary))
    blocks.append(("p", "Training metrics: faint raw line, bold EMA; test accuracy unsmoothed at its test steps; "
                        "with several seeds, the mean and a 95 % band over seeds. Branch runs start at their "
                        "branch step. Verdicts need a 95 % bootstrap CI over seeds that excludes 0."))
    blocks.append(("h2", "Claims of the study"))
    blocks.append(("p", _claims_summary(claims)))
    blocks.append(("table", *_claim_rows(claims)))
    for s in sections:
        sw = s.sweep
        blocks.append(("h2", f"Sweep `{sw.name}`"))
        spec_name = (sw.spec or {}).get("name", (sw.spec or {}).get("spec"))
        facts = [f"{len(sw.table)} runs", f"{len(sw.arms)} arms"]
        if spec_name:
            facts.append(f"spec `{spec_name}`")
        if sw.figure:
            facts.append(f"figure `{sw.figure}`")
        sources = sorted(set(sw.table["source"]))
        facts.append("source: " + ", ".join(sources))
        blocks.append(("p", "; ".join(facts) + "."))
        blocks.append(("h3", "Settings"))
        blocks.append(("table", *settings_rows(sw)))
        if sw.spec:
            blocks.append(("h3", "Spec"))
            blocks.append(("code", spec_yaml(sw.spec), "yaml"))
        for name, study, title, paths in s.figures:
            blocks.append(("h3", f"{title}" + (f" (study figure {study})" if study else "")))
            png = [p for p in paths if p.suffix == ".png"] or paths
            if png:
                blocks.append(("img", png[0], f"{sw.name}: {name}"))
            others = [p for p in paths if p not in png[:1]]
            if others:
                blocks.append(("links", others))
        if s.table is not None:
            blocks.append(("h3", f"Results table (pass@1 %, {s.table.step})"))
            blocks.append(("table", *_table_rows(s.table)))
            if s.table_image:
                blocks.append(("img", s.table_image, f"{sw.name}: results table"))
        blocks.append(("h3", "Findings"))
        if s.findings:
            blocks.append(("table", *_finding_rows(s.findings)))
        else:
            blocks.append(("p", "No claim of the study is tied to this sweep's figure."))
        notes = s.notes + sw.skipped
        if notes:
            blocks.append(("h3", "Notes (what was skipped)"))
            blocks.append(("list", notes))
    rest = [m for m in skipped if not any(m in s.sweep.skipped for s in sections)]
    if rest:
        blocks.append(("h2", "Other notes"))
        blocks.append(("list", rest))
    return blocks


def _render_md(blocks, base: Path) -> str:
    out = []
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + b[1] + "\n")
        elif kind == "p":
            out.append(b[1] + "\n")
        elif kind == "table":
            out.append(_md_table(b[1], b[2]))
        elif kind == "img":
            out.append(f"![{b[2]}]({_rel(b[1], base)})\n")
        elif kind == "links":
            out.append("Also: " + ", ".join(f"[{p.suffix[1:]}]({_rel(p, base)})" for p in b[1]) + "\n")
        elif kind == "list":
            out.append("\n".join(f"- {m}" for m in b[1]) + "\n")
        elif kind == "code":
            out.append(f"```{b[2]}\n{b[1].rstrip()}\n```\n")
    return "\n".join(out)


def _rel(path: Path, base: Path) -> str:
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


CSS = ("body{font-family:system-ui,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}"
       "table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:.9em}"
       "td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
       "th{background:#f2f2f2}img{max-width:100%;border:1px solid #eee;margin:.5em 0}code{background:#f6f6f6}")


def _render_html(blocks, base: Path) -> str:
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>MicroCoder study report</title>"
           f"<style>{CSS}</style></head><body>"]
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{_inline_html(b[1])}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{_inline_html(b[1])}</p>")
        elif kind == "links":
            out.append("<p>Also: " + ", ".join(f"<a href='{html.escape(_rel(p, base))}'>{p.suffix[1:]}</a>"
                                               for p in b[1]) + "</p>")
        elif kind == "table":
            out.append(_html_table(b[1], b[2]))
        elif kind == "img":
            out.append(f"<img src='{html.escape(_rel(b[1], base))}' alt='{html.escape(b[2])}'>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{_inline_html(m)}</li>" for m in b[1]) + "</ul>")
        elif kind == "code":
            out.append(f"<pre><code class='language-{b[2]}'>{html.escape(b[1].rstrip())}</code></pre>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(sections: list[SweepSection], out_dir: Path, skipped: Optional[list[str]] = None,
                 claims: Optional[list[ClaimRow]] = None, notes: Optional[list[str]] = None) -> tuple[Path, Path]:
    """Write out_dir/report.md and out_dir/report.html; returns their paths. `claims`: the claims table (default:
    `claims_table` over the sections' sweeps). `notes`: lines listed under the title (e.g. how the runs were
    made: `microcoder figures --note`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if claims is None:
        claims = claims_table([s.sweep for s in sections if s.sweep is not None])
    blocks = _blocks(sections, list(skipped or []), claims, list(notes or []))
    md, page = out_dir / "report.md", out_dir / "report.html"
    md.write_text(_render_md(blocks, out_dir))
    page.write_text(_render_html(blocks, out_dir))
    return md, page
