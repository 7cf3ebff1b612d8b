"""A W&B workspace (and report) per sweep, built from the panels of the study figure the sweep feeds.

What: `microcoder sweep dashboard SPEC|SWEEP_DIR` builds, with the `wandb-workspaces` library,
  * a workspace of the sweep's W&B project: runs filtered to the sweep's group, grouped (and coloured) by arm
    (job_type); a first section with the spec's description; then one section per row of the figure's layout
    (`analysis/figures/layout.py`, the same object the figure draws): the same metric names, x-axes (`step`, or
    `data/prompts_seen` where the figure plots "Relative Data") and smoothing (training metrics: W&B's exponential
    smoothing at the figures' EMA weight with the raw line shown; evaluation metrics as logged), lines averaged over
    seeds with a standard-error band. A figure panel that W&B cannot draw (the temperature probe, the length
    density, the phase timeline) shows its stand-in plots, or a note saying where its data is;
  * with `--report`, a report with the same panels under one heading per section and the sweep's settings table.
`build_workspace(plan, entity, project)` and `build_report(...)` return the library's objects without any network;
`dashboard_json(...)` is what `--dry-run` prints: each object's serialised spec (the report's project id is
resolved by W&B when it is saved).

Saving (`save_dashboard`) needs a W&B login: without one it says how to log in and raises `DashboardError` before
anything is built or saved. Then it resolves everything it will save first (entity, project, the report's run
set) and saves the workspace, then the report. It is idempotent: the workspace has a fixed view name derived from
the project and the sweep (`nw-mc<hash>-v`), looked up and updated in place; the report is found by the id kept in
`<sweep dir>/dashboard.json` (or by its title). `dashboard.json` also keeps the URLs, which `sweep run` prints.

Why: every user would otherwise rebuild each study figure's panels by hand in the W&B UI, per sweep.

How: `microcoder sweep dashboard runs/demo --dry-run`; `microcoder sweep dashboard sweeps/specs/kl_clip.yaml
--entity my-team --report` (after `wandb login`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Optional

from analysis.figures import FIGURES, figure_name
from analysis.figures.layout import X_AXES, LinePanel, Row, SpecialPanel
from analysis.figures.registry import DrawOptions

from microcoder.run_store import atomic_write

from .expand import value_text
from .plan import Plan, differ_text, load_plan, make_plan

__all__ = ["DASHBOARD_FILE", "DashboardError", "build_report", "build_workspace", "dashboard_command",
           "dashboard_hint", "dashboard_json", "figure_of", "load_target", "save_dashboard", "sections", "view_name",
           "wandb_login"]

DASHBOARD_FILE = "dashboard.json"
"""In the sweep folder: {"workspace": {"url", "entity", "project", "view"}, "report": {"url", "id"}} once saved."""
X_TITLES = {"step": "Training Steps", "relative_data": "Prompts Seen"}
"""W&B x-axis titles: a dashboard plots `data/prompts_seen` itself where a figure divides it by the smallest batch."""
BAND = "stderr"
"""The band of a grouped line: mean ± the standard error over seeds (W&B's bands are minmax, stddev or stderr)."""


class DashboardError(RuntimeError):
    """W&B did not take the dashboard: no login, or W&B refused (the message says what, if anything, was saved)."""


# ---------------------------------------------------------------------------------------------- what to show


def load_target(path: str | Path, scale: Optional[str] = None, out: str | Path = "runs") -> tuple[Plan, Optional[Path]]:
    """(plan, sweep folder or None) of a sweep folder (holding sweep.json) or a spec file (whose folder is
    `<out>/<name>` when that holds a sweep.json). Raises FileNotFoundError / SpecError."""
    path = Path(path)
    if path.is_dir():
        return load_plan(path), path.resolve()
    plan = make_plan(path, scale)
    sweep_dir = Path(out).resolve() / plan.name
    return plan, (sweep_dir if (sweep_dir / "sweep.json").exists() else None)


def figure_of(plan: Plan) -> str:
    """The figure the spec feeds (its `figure`, a name or a study number), else `overview`."""
    return figure_name(plan.spec.figure) if plan.spec.figure else "overview"


def arms_of(plan: Plan) -> list[str]:
    return list(dict.fromkeys(r.arm for r in plan.runs))


def sections(plan: Plan) -> list[tuple[Row, list[LinePanel], list[SpecialPanel]]]:
    """(layout row, its line plots once each — special panels replaced by their stand-ins —, the special panels
    without one) for every row of the figure's layout."""
    out = []
    for row in FIGURES.get(figure_of(plan)).layout.rows:
        lines: list[LinePanel] = []
        missing = []
        for panel in row.panels:
            if isinstance(panel, SpecialPanel) and not panel.stand_in:
                missing.append(panel)
            for c in (panel.stand_in if isinstance(panel, SpecialPanel) else (panel,)):
                if c not in lines:
                    lines.append(c)
        out.append((row, lines, missing))
    return out


def _id(*parts: Any) -> str:
    """A stable 11-character id (W&B's length) so that saving again keeps every panel's identity."""
    return "mc" + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:9]


def view_name(project: str, group: str) -> str:
    """The workspace's fixed W&B view name: the same sweep in the same project is always the same workspace."""
    return f"nw-{_id(project, group)}-v"


def about_text(plan: Plan, sweep_dir: Optional[Path]) -> str:
    spec = FIGURES.get(figure_of(plan))
    arms = arms_of(plan)
    where = str(sweep_dir) if sweep_dir else f"runs/{plan.name}"
    study = f"figure {spec.study} of the study" if spec.study else "no study figure (the overview)"
    lines = [f"## Sweep `{plan.name}`", "", (plan.spec.description or "").strip() or "(no description)", "",
             f"* Panels of {study}: *{spec.title}*; `microcoder figures {where}` draws the figure itself.",
             f"* {len(plan.runs)} runs, {len(arms)} arms (one line each, the mean over seeds ± standard error): "
             + ", ".join(f"`{a}`" for a in arms),
             f"* W&B group `{plan.name}` (job_type = arm); backend {plan.backend}; seeds "
             + ", ".join(map(str, plan.spec.seeds)),
             f"* Training metrics are smoothed as in the figures (EMA {DrawOptions().smoothing:g}, raw line shown); "
             "evaluation metrics as logged."]
    return "\n".join(lines)


def missing_text(panels: list[SpecialPanel], sweep_dir: Optional[Path], name: str) -> str:
    where = str(sweep_dir) if sweep_dir else f"runs/{name}"
    return "\n".join(f"The figure's panel *{p.title}* is drawn from {p.source}, which W&B does not hold: "
                     f"`microcoder figures {where}` draws it." for p in panels)


def settings_text(plan: Plan) -> str:
    """The sweep's settings as Markdown: what every run shares, then one row per run."""
    spec = plan.spec
    shared = [("backend", spec.backend), ("base", spec.base or "-"), ("seeds", ", ".join(map(str, spec.seeds))),
              ("W&B project / group", f"{plan.wandb()['project']} / {plan.name}")]
    shared += [(k, value_text(v, 60)) for k, v in spec.set.items()]
    out = ["| setting | value |", "|---|---|"] + [f"| `{k}` | {v} |" for k, v in shared]
    out += ["", "| run | arm | seed | parent | steps | values that differ |", "|---|---|---|---|---|---|"]
    for r in plan.runs:
        parent = f"{r.parent}@{r.at_step}" if r.parent else "-"
        out.append(f"| {r.name} | {r.arm} | {r.seed} | {parent} | {r.first_step}..{r.total_steps} | "
                   f"{differ_text(r)} |")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------- W&B objects


def line_plot(curve: LinePanel, section: str, smoothing: float):
    """A W&B line plot of one layout curve (see the module docstring for its axes and smoothing)."""
    import wandb_workspaces.reports.v2 as wr

    kw: dict[str, Any] = dict(title=curve.ylabel, x=curve.x_metric, title_x=X_TITLES[curve.x], title_y=curve.ylabel,
                              groupby_aggfunc="mean", groupby_rangefunc=BAND)
    if curve.y:
        kw["y"] = list(curve.y)
    else:
        kw["metric_regex"] = curve.pattern
    if curve.smooth:
        kw.update(smoothing_type="exponential", smoothing_factor=smoothing, smoothing_show_original=True)
    else:
        kw.update(smoothing_type="none")
    plot = wr.LinePlot(**kw)
    plot._id = _id(section, curve.y, curve.x, curve.pattern)
    return plot


def _markdown(text: str, *key: Any):
    import wandb_workspaces.reports.v2 as wr

    panel = wr.MarkdownPanel(markdown=text)
    panel._id = _id("markdown", *key)
    return panel


def build_workspace(plan: Plan, entity: str, project: str, sweep_dir: Optional[Path] = None,
                    smoothing: float = DrawOptions().smoothing):
    """The sweep's W&B workspace (`wandb_workspaces.workspaces.Workspace`); builds offline."""
    import wandb_workspaces.workspaces as ws
    from wandb_workspaces import expr

    from analysis.style import arm_colors

    out = [ws.Section(name="About this sweep", panels=[_markdown(about_text(plan, sweep_dir), "about")],
                      is_open=True, layout_settings=ws.SectionLayoutSettings(columns=1, rows=1))]
    for row, lines, missing in sections(plan):
        panels = [line_plot(c, row.title, smoothing) for c in lines]
        if missing:
            panels.append(_markdown(missing_text(missing, sweep_dir, plan.name), row.title))
        cols = max(1, min(3, len(panels)))
        out.append(ws.Section(name=row.title, panels=panels, is_open=True,
                              layout_settings=ws.SectionLayoutSettings(columns=cols, rows=-(-len(panels) // cols))))
    workspace = ws.Workspace(
        entity=entity, project=project, name=f"Sweep {plan.name}", sections=out,
        settings=ws.WorkspaceSettings(x_axis=X_AXES["step"][0], max_runs=max(10, len(plan.runs))),
        runset_settings=ws.RunsetSettings(filters=expr.And(expr.Metric("Group") == plan.name),
                                          groupby=[expr.Metric("JobType")],
                                          group_colors=arm_colors(arms_of(plan))))
    workspace._internal_name = view_name(project, plan.name)
    object.__setattr__(workspace, "_internal_runset_id", _id("runset", project, plan.name))
    return workspace


def build_report(plan: Plan, entity: str, project: str, sweep_dir: Optional[Path] = None,
                 smoothing: float = DrawOptions().smoothing):
    """The sweep's W&B report (`wandb_workspaces.reports.v2.Report`): the workspace's panels, one heading per
    section, then the settings table. Builds offline; serialising its run sets needs W&B (see `dashboard_json`)."""
    import wandb_workspaces.reports.v2 as wr
    from wandb_workspaces import expr

    from analysis.style import arm_colors

    spec = FIGURES.get(figure_of(plan))
    runset_name = f"Sweep {plan.name}"

    def grid(title, panels):
        runset = wr.Runset(entity=entity, project=project, name=runset_name, groupby=["JobType"],
                           filters=expr.And(expr.Metric("Group") == plan.name))
        runset._id = _id("report-runset", project, plan.name, title)
        width = 24 // max(1, min(3, len(panels)))
        for i, p in enumerate(panels):
            p.layout = wr.Layout(x=(i * width) % 24, y=(i * width) // 24 * 8, w=width, h=8)
        colors = {wr.RunsetGroup(runset_name, (wr.RunsetGroupKey(wr.Metric("JobType"), arm),)): color
                  for arm, color in arm_colors(arms_of(plan)).items()}
        return wr.PanelGrid(runsets=[runset], panels=panels, custom_run_colors=colors)

    blocks = [wr.MarkdownBlock(text=about_text(plan, sweep_dir))]
    for row, lines, missing in sections(plan):
        blocks += [wr.H2(text=row.title), grid(row.title, [line_plot(c, row.title, smoothing) for c in lines])]
        if missing:
            blocks.append(wr.MarkdownBlock(text=missing_text(missing, sweep_dir, plan.name)))
    blocks += [wr.H2(text="Settings"), wr.MarkdownBlock(text=settings_text(plan))]
    title = f"Sweep {plan.name}: {spec.title}"[:128]
    return wr.Report(entity=entity, project=project, title=title, description=plan.spec.description or "",
                     blocks=blocks)


def _dump(model) -> dict:
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


def report_spec(report) -> dict:
    """The report as it would be saved, without W&B: each run set's project is named, not resolved to its id."""
    import copy

    import wandb_workspaces.reports.v2 as wr

    offline = copy.deepcopy(report)
    for block in offline.blocks:
        if isinstance(block, wr.PanelGrid):
            for rs in block.runsets:
                rs.entity, rs.project = "", ""
    data = _dump(offline._to_model())
    for block in data["spec"]["blocks"]:
        for rs in block.get("metadata", {}).get("runSets", []):
            rs["project"] = {"entityName": report.entity, "name": report.project}
    return data


def dashboard_json(plan: Plan, entity: str, project: str, report: bool = False,
                   sweep_dir: Optional[Path] = None) -> dict:
    """What `sweep dashboard --dry-run` prints: the workspace's view (and the report) as they would be saved."""
    workspace = build_workspace(plan, entity, project, sweep_dir)
    out: dict[str, Any] = {"sweep": plan.name, "figure": figure_of(plan), "entity": entity or None,
                           "project": project, "group": plan.name, "workspace": _dump(workspace._to_model())}
    if report:
        out["report"] = report_spec(build_report(plan, entity, project, sweep_dir))
    return out


# ---------------------------------------------------------------------------------------------- saving


def wandb_login() -> Optional[str]:
    """The W&B host credentials are configured for (WANDB_API_KEY, ~/.netrc, wandb settings), else None. Looks
    at local credentials only: no network."""
    from wandb import env
    from wandb.sdk import wandb_setup
    from wandb.sdk.lib.wbauth import authenticate

    host = env.get_base_url(wandb_setup.singleton().settings.base_url)
    try:
        auth = authenticate.authenticate_session(host=host, source="microcoder sweep dashboard", prompt=False,
                                                 update_session=False)
    except Exception:  # noqa: BLE001 - malformed credentials count as none
        return None
    return host if auth else None


LOGIN_HELP = ("no W&B login: run `wandb login` (or set WANDB_API_KEY; WANDB_BASE_URL for your own server), then run "
              "this again. Nothing was saved; `--dry-run` prints what would be saved without a login.")


def _write_record(sweep_dir: Path, record: dict) -> None:
    atomic_write(sweep_dir / DASHBOARD_FILE, json.dumps(record, indent=1))


def read_record(sweep_dir: Optional[Path]) -> dict:
    try:
        return json.loads((Path(sweep_dir) / DASHBOARD_FILE).read_text()) if sweep_dir else {}
    except (FileNotFoundError, ValueError):
        return {}


def save_dashboard(plan: Plan, sweep_dir: Optional[Path], entity: Optional[str], project: str,
                   report: bool = False, log: Callable[[str], None] = print) -> dict:
    """Save (create or update) the sweep's workspace and, with `report`, its report; returns the record kept in
    `<sweep_dir>/dashboard.json`. Raises DashboardError without a login, or when W&B refuses (saying what, if
    anything, was saved)."""
    if wandb_login() is None:
        raise DashboardError(LOGIN_HELP)
    import wandb
    from wandb_workspaces.workspaces import internal

    try:  # everything that can fail before the first save: a refusal here leaves nothing half-saved
        api = wandb.Api()
        entity = entity or api.default_entity
        if not entity:
            raise DashboardError("no W&B entity: pass --entity (or set WANDB_ENTITY). Nothing was saved.")
        workspace = build_workspace(plan, entity, project, sweep_dir)
        rep = build_report(plan, entity, project, sweep_dir) if report else None
        if project not in {p.name for p in api.projects(entity)}:
            api.create_project(project, entity)
        workspace._to_model()
        if rep is not None:
            rep._to_model()  # resolves the run set's project
        try:
            query = internal._internal_name_to_url_query_str(workspace._internal_name)
            workspace._internal_id = internal.get_view_dict(entity, project, query)["id"]
        except ValueError:  # not saved yet: created under its fixed name
            pass
        previous = read_record(sweep_dir)
        if rep is not None:
            old = previous.get("report", {})
            if old.get("id") and previous.get("workspace", {}).get("project") == project:
                rep.id = old["id"]
            else:
                rep.id = next((r.id for r in api.reports(f"{entity}/{project}") if r.display_name == rep.title), "")
        workspace.save()
    except DashboardError:
        raise
    except Exception as e:  # noqa: BLE001 - W&B's errors come in many types
        raise DashboardError(f"W&B refused the dashboard of sweep {plan.name} in {entity}/{project}: {e}. Nothing "
                             f"was saved.") from e
    record: dict[str, Any] = {"workspace": {"url": workspace.url, "entity": entity, "project": project,
                                            "view": workspace._internal_name}}
    if not report and previous.get("report"):
        record["report"] = previous["report"]
    log(f"W&B workspace: {workspace.url}")
    try:
        if rep is not None:
            rep.save()
            record["report"] = {"url": rep.url, "id": rep.id}
            log(f"W&B report: {rep.url}")
    except Exception as e:  # noqa: BLE001
        raise DashboardError(f"the workspace was saved ({workspace.url}); W&B refused the report: {e}") from e
    finally:
        if sweep_dir is not None:
            _write_record(sweep_dir, record)
    return record


def dashboard_hint(plan: Plan, sweep_dir: Path) -> str:
    """The line `sweep run` prints for an online sweep (no network): the saved workspace's URL, else the command
    that builds it."""
    url = read_record(sweep_dir).get("workspace", {}).get("url")
    if url:
        return f"W&B workspace: {url}"
    return (f"W&B workspace: `microcoder sweep dashboard {sweep_dir}` builds it (project {plan.wandb()['project']}, "
            f"group {plan.name})")


def dashboard_command(target: str, *, scale: Optional[str] = None, out: str = "runs", entity: Optional[str] = None,
                      project: Optional[str] = None, dry_run: bool = False, report: bool = False,
                      log: Callable[[str], None] = print) -> int:
    """`microcoder sweep dashboard`: prints the JSON (`dry_run`) or saves; raises DashboardError when nothing could
    be saved, FileNotFoundError / SpecError for a bad target."""
    plan, sweep_dir = load_target(target, scale, out)
    project = project or plan.wandb()["project"] or "microcoder"
    entity = entity or os.environ.get("WANDB_ENTITY") or None
    if dry_run:
        log(json.dumps(dashboard_json(plan, entity or "", project, report, sweep_dir), indent=1))
    else:
        save_dashboard(plan, sweep_dir, entity, project, report, log)
    return 0
