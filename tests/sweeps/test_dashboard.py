"""The W&B dashboard of a sweep: the workspace and report objects built for every study spec and the demo (sections
from the figure's layout, metric keys, x-axes, smoothing, filter, grouping), their serialised form read back by
the library itself, `--dry-run`, the refusal without a login, and saving again updating the same workspace (against
a fake W&B: no server can run here)."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("wandb_workspaces")

import wandb  # noqa: E402
import wandb_workspaces.reports.v2 as wr  # noqa: E402
import wandb_workspaces.reports.v2.interface as report_interface  # noqa: E402
import wandb_workspaces.workspaces as ws  # noqa: E402
from wandb_workspaces.reports.v2 import internal as report_internal  # noqa: E402
from wandb_workspaces.workspaces import internal as ws_internal  # noqa: E402

from analysis.figures import FIGURES, figure_name  # noqa: E402
from analysis.figures.layout import SpecialPanel  # noqa: E402
from analysis.figures.registry import DrawOptions  # noqa: E402
from microcoder.cli import main  # noqa: E402
from sweeps import dashboard as D  # noqa: E402
from sweeps.cli import _print_dashboard  # noqa: E402
from sweeps.plan import make_plan, save_plan  # noqa: E402

SPECS = sorted((Path(__file__).resolve().parents[2] / "sweeps" / "specs").glob("*.yaml"))
DEMO = next(p for p in SPECS if p.name == "demo.yaml")


def plots_of(panels):
    return [p for p in panels if isinstance(p, wr.LinePlot)]


def texts_of(panels):
    return [p.markdown for p in panels if isinstance(p, wr.MarkdownPanel)]


def named(metric):
    """A metric's name (the library reads plots back with `Metric` objects)."""
    return getattr(metric, "name", metric)


def check_plot(plot, curve):
    """A W&B line plot shows the layout curve: same metrics, x-axis and smoothing, lines grouped by arm."""
    assert (plot.y or []) == list(curve.y) and (plot.metric_regex or "") == curve.pattern
    assert plot.x == curve.x_metric and plot.groupby_aggfunc == "mean" and plot.groupby_rangefunc == D.BAND
    if curve.smooth:
        assert (plot.smoothing_type, plot.smoothing_factor, plot.smoothing_show_original) == (
            "exponential", DrawOptions().smoothing, True)
    else:
        assert plot.smoothing_type == "none"


@pytest.fixture(scope="module", params=SPECS, ids=lambda p: p.stem)
def spec_plan(request):
    return make_plan(request.param)


def test_every_spec_gets_a_workspace_with_one_section_per_row_of_its_figure(spec_plan):
    plan = spec_plan
    name = D.figure_of(plan)
    assert name == figure_name(plan.spec.figure)  # every study spec and the demo name their figure
    layout = FIGURES.get(name).layout
    workspace = D.build_workspace(plan, "team", "proj")
    assert [s.name for s in workspace.sections] == ["About this sweep"] + [r.title for r in layout.rows]
    about = texts_of(workspace.sections[0].panels)[0]
    assert plan.spec.description.strip() in about and f"group `{plan.name}`" in about
    for section, row in zip(workspace.sections[1:], layout.rows):
        curves = [c for p in row.panels for c in (p.stand_in if isinstance(p, SpecialPanel) else (p,))]
        curves = list(dict.fromkeys(curves))  # a row may draw one curve for two groups of arms
        plots = plots_of(section.panels)
        assert len(plots) == len(curves), section.name
        for plot, curve in zip(plots, curves):
            check_plot(plot, curve)
        unplotted = [p for p in row.panels if isinstance(p, SpecialPanel) and not p.stand_in]
        assert len(texts_of(section.panels)) == (1 if unplotted else 0)
        for p in unplotted:
            assert p.source in texts_of(section.panels)[0]
    arms = list(dict.fromkeys(r.arm for r in plan.runs))
    assert workspace.runset_settings.filters == f"Metric(\"Group\") == '{plan.name}'"
    assert [g.name for g in workspace.runset_settings.groupby] == ["JobType"]
    assert list(workspace.runset_settings.group_colors) == arms


def test_the_workspace_serialises_and_the_library_reads_it_back(spec_plan):
    plan = spec_plan
    data = D.dashboard_json(plan, "team", "proj")["workspace"]
    text = json.dumps(data)  # plain JSON, what upsertView receives
    view = ws_internal.View.model_validate(json.loads(text))
    assert (view.entity, view.project, view.name) == ("team", "proj", D.view_name("proj", plan.name))
    run_set = view.spec.section.run_sets[0]
    assert [(f["key"]["name"], f["op"], f["value"]) for f in run_set.filters["filters"]] == [
        ("group", "=", plan.name)]
    assert [(k.section, k.name) for k in run_set.grouping] == [("run", "jobType")]
    assert len(view.spec.section.custom_run_colors) == len({r.arm for r in plan.runs})
    back = ws.Workspace._from_model(view)
    built = D.build_workspace(plan, "team", "proj")
    assert [s.name for s in back.sections] == [s.name for s in built.sections]
    for got, want in zip(back.sections, built.sections):
        assert [(named(p.x), [named(y) for y in p.y], p.smoothing_type) for p in plots_of(got.panels)] == [
            (p.x, p.y, p.smoothing_type) for p in plots_of(want.panels)]


def test_every_spec_gets_a_report_with_the_same_panels_and_its_settings_table(spec_plan):
    plan = spec_plan
    report = D.build_report(plan, "team", "proj")
    workspace = D.build_workspace(plan, "team", "proj")
    grids = [b for b in report.blocks if isinstance(b, wr.PanelGrid)]
    headings = [b.text for b in report.blocks if isinstance(b, wr.H2)]
    assert headings == [s.name for s in workspace.sections[1:]] + ["Settings"]
    for grid, section in zip(grids, workspace.sections[1:]):
        assert [(p.x, p.y, p.metric_regex) for p in grid.panels] == [
            (p.x, p.y, p.metric_regex) for p in plots_of(section.panels)]
        (runset,) = grid.runsets
        assert (runset.entity, runset.project, runset.groupby) == ("team", "proj", ["JobType"])
        assert runset.filters == f"Metric(\"Group\") == '{plan.name}'"
    settings = report.blocks[-1].text
    for run in plan.runs:
        assert f"| {run.name} | {run.arm} | {run.seed} |" in settings
    data = D.report_spec(report)  # offline: run sets name their project; W&B resolves its id on save
    back = wr.Report._from_model(report_internal.ReportViewspec.model_validate(json.loads(json.dumps(data))))
    assert back.title == report.title and len(back.blocks) == len(report.blocks)
    for block in data["spec"]["blocks"]:
        for rs in block.get("metadata", {}).get("runSets", []):
            assert rs["project"] == {"entityName": "team", "name": "proj"}


def test_truncation_mask_dashboard_plots_accuracy_by_prompts_seen_and_the_mask_fractions():
    plan = make_plan(next(p for p in SPECS if p.name == "truncation_mask.yaml"))
    sections = D.build_workspace(plan, "team", "proj").sections
    main_plots, mask_plots = plots_of(sections[1].panels), plots_of(sections[2].panels)
    assert [(p.y, p.x) for p in main_plots] == [
        (["test/accuracy"], "data/prompts_seen"), (["train/response_length"], "step"),
        (["train/response_diversity"], "step")]
    assert [p.y for p in mask_plots] == [["train/masked_fraction"], ["train/truncated_fraction"]]


def test_the_workspace_and_its_panels_keep_their_names_from_one_build_to_the_next():
    plan = make_plan(DEMO)
    a, b = D.build_workspace(plan, "team", "proj"), D.build_workspace(plan, "team", "proj")
    assert a._internal_name == b._internal_name == D.view_name("proj", "demo")
    assert D.view_name("proj", "demo") != D.view_name("other", "demo") != D.view_name("proj", "kl_clip")
    ids = [p._id for s in a.sections for p in s.panels]
    assert ids == [p._id for s in b.sections for p in s.panels] and len(set(ids)) == len(ids)


@pytest.fixture
def no_login(tmp_path, monkeypatch):
    """No W&B credentials anywhere (env, netrc, settings); saving a workspace would fail the test."""
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.delenv("WANDB_ENTITY", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "wandb-config"))
    saved = []
    monkeypatch.setattr(ws.Workspace, "save", lambda self: saved.append(self))
    monkeypatch.setattr(wr.Report, "save", lambda self, *a, **k: saved.append(self))
    return saved


@pytest.fixture
def sweep_dir(tmp_path):
    plan = make_plan(DEMO)
    save_plan(plan, tmp_path / "demo")
    return tmp_path / "demo"


def test_dry_run_prints_the_workspace_and_report_as_json_without_a_login(no_login, sweep_dir, capsys):
    assert D.wandb_login() is None
    assert main(["sweep", "dashboard", str(sweep_dir), "--dry-run", "--report", "--entity", "team"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["sweep"], out["figure"], out["entity"], out["project"], out["group"]) == (
        "demo", "temperature", "team", "microcoder-demo", "demo")
    assert out["workspace"]["name"] == D.view_name("microcoder-demo", "demo")
    sections = [s["name"] for s in out["workspace"]["spec"]["section"]["panelBankConfig"]["sections"]]
    assert sections == ["About this sweep", "Accuracy", "Diversity", "Temperature in force"]
    assert out["report"]["displayName"].startswith("Sweep demo: ")
    assert no_login == [] and not (sweep_dir / D.DASHBOARD_FILE).exists()


def test_without_a_login_it_says_how_to_log_in_and_saves_nothing(no_login, sweep_dir, capsys):
    assert main(["sweep", "dashboard", str(sweep_dir), "--report"]) == 1
    err = capsys.readouterr().err
    assert "wandb login" in err and "Nothing was saved" in err
    assert no_login == [] and not (sweep_dir / D.DASHBOARD_FILE).exists()


class FakeWandb:
    """Just enough of W&B's API for `save_dashboard`: views stored by name, reports by id."""

    def __init__(self):
        self.views: dict[str, dict] = {}
        self.reports: dict[str, str] = {}  # id → title
        self.projects = set()

    def api(self, *args, **kwargs):
        return SimpleNamespace(
            default_entity="team", client=SimpleNamespace(app_url="https://wandb.test"),
            projects=lambda entity: [SimpleNamespace(name=p) for p in self.projects],
            create_project=lambda name, entity: self.projects.add(name),
            reports=lambda path: [SimpleNamespace(id=i, display_name=t) for i, t in self.reports.items()])

    def get_view_dict(self, entity, project, query):
        name = ws_internal._url_query_str_to_internal_name(query)
        if name not in self.views:
            raise ValueError(f"Workspace `{query}` not found in project `{project}`")
        return self.views[name]

    def upsert_view(self, view):
        if view.id:
            assert self.views[view.name]["id"] == view.id  # an update of the stored view
        else:
            assert view.name not in self.views  # a new view
        self.views[view.name] = {"id": view.id or f"view{len(self.views)}", "spec": view.spec}
        return {"upsertView": {"view": {"name": view.name, "id": self.views[view.name]["id"]}}}

    def save_report(self, report):
        report.id = report.id or f"report{len(self.reports)}"
        self.reports[report.id] = report.title
        return report


@pytest.fixture
def fake_wandb(monkeypatch):
    fake = FakeWandb()
    monkeypatch.setattr(D, "wandb_login", lambda: "https://api.wandb.test")
    monkeypatch.setattr(wandb, "Api", fake.api)
    monkeypatch.setattr(ws_internal, "get_view_dict", fake.get_view_dict)
    monkeypatch.setattr(ws_internal, "upsert_view2", fake.upsert_view)
    monkeypatch.setattr(report_interface, "execute_graphql", lambda api, q, v: {"project": {"internalId": "p1"}})
    monkeypatch.setattr(wr.Report, "save", lambda report, *a, **k: fake.save_report(report))
    return fake


def test_saving_again_updates_the_same_workspace_and_report(fake_wandb, sweep_dir, capsys):
    assert main(["sweep", "dashboard", str(sweep_dir), "--report"]) == 0
    first = json.loads((sweep_dir / D.DASHBOARD_FILE).read_text())
    assert list(fake_wandb.views) == [D.view_name("microcoder-demo", "demo")]
    assert first["workspace"]["url"].startswith("https://wandb.test/team/microcoder-demo?nw=mc")
    assert first["workspace"]["url"] in capsys.readouterr().out
    assert main(["sweep", "dashboard", str(sweep_dir), "--report"]) == 0  # the folder's record: same report id
    assert main(["sweep", "dashboard", str(DEMO), "--report", "--out", str(sweep_dir.parent / "elsewhere")]) == 0
    assert len(fake_wandb.views) == 1 and len(fake_wandb.reports) == 1  # found by name and by title
    assert json.loads((sweep_dir / D.DASHBOARD_FILE).read_text()) == first
    assert fake_wandb.projects == {"microcoder-demo"}


def test_sweep_run_prints_the_saved_workspace_url_or_the_command_online_only(sweep_dir, monkeypatch, capsys):
    plan = make_plan(DEMO)
    monkeypatch.setenv("WANDB_MODE", "offline")
    _print_dashboard(plan, sweep_dir)
    assert capsys.readouterr().out == ""
    monkeypatch.setenv("WANDB_MODE", "online")
    _print_dashboard(plan, sweep_dir)
    assert f"`microcoder sweep dashboard {sweep_dir}`" in capsys.readouterr().out
    (sweep_dir / D.DASHBOARD_FILE).write_text(json.dumps({"workspace": {"url": "https://wandb.test/t/p?nw=x"}}))
    _print_dashboard(plan, sweep_dir)
    assert capsys.readouterr().out.strip() == "W&B workspace: https://wandb.test/t/p?nw=x"
