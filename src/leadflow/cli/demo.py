"""`leadflow demo`: build a simulated B2B SaaS world and load it into the store."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from leadflow.cli.demo_serve import serve_demo
from leadflow.cli.options import DbOption, settings_for
from leadflow.cli.output import console
from leadflow.demo.generate import WorldSummary
from leadflow.demo.handoff_report import HandoffSummary, handoff_summary
from leadflow.demo.load import load_world
from leadflow.demo.marketing import SOURCES
from leadflow.demo.predictive import compare_learned_with_rules, comparison_lines
from leadflow.demo.sales import SalesFloor
from leadflow.demo.scoring import DemoScoring, score_world
from leadflow.demo.vocabulary import COMPETITOR_DOMAINS, UNIVERSITIES
from leadflow.demo.world import DEFAULT_END, DEFAULT_LEADS, DEFAULT_MONTHS, DEFAULT_SEED, WorldSpec
from leadflow.leads.identity import DomainRules
from leadflow.storage.database import open_store


def demo_command(
    leads: Annotated[int, typer.Option(help="How many leads the world has.")] = DEFAULT_LEADS,
    months: Annotated[
        int, typer.Option(help=f"Months of history, ending {DEFAULT_END.isoformat()}.")
    ] = DEFAULT_MONTHS,
    seed: Annotated[int, typer.Option(help="Same seed, same world.")] = DEFAULT_SEED,
    reset: Annotated[
        bool, typer.Option("--reset", help="Empty a store that holds an earlier demo world first.")
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then serve the dashboard with a login per role.")
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port for --serve.")] = 8000,
    db: DbOption = None,
) -> None:
    """Build a simulated B2B SaaS world and load it: accounts, leads with months of
    activity, tire-kickers, a sales team, campaign spend, and the hidden truth of who buys.

    Example: leadflow demo --leads 20000 --months 18 --seed 7 --reset --serve
    """
    spec = WorldSpec(leads=leads, months=months, seed=seed)
    settings = settings_for(db)
    rules = DomainRules.default(settings.extra_free_mail_domains, settings.extra_disposable_domains)
    engine = open_store(settings.database_url)
    started = time.perf_counter()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(
            *columns, console=console, transient=True, disable=not console.is_terminal
        ) as progress:
            task = progress.add_task("loading leads", total=spec.leads)
            summary = load_world(
                engine,
                spec,
                rules=rules,
                reset=reset,
                on_progress=lambda done, _total: progress.update(task, completed=done),
            )
            progress.update(task, description="scoring events, working MQLs", completed=0)
            floor = SalesFloor(engine=engine, settings=settings, seed=spec.seed, until=spec.ends_at)
            scoring = score_world(
                engine=engine, settings=settings, until=spec.ends_at, before_move=floor.advance
            )
            floor.finish()
            handoff = handoff_summary(engine=engine, settings=settings)
            progress.update(task, description="learning from the year's history")
            learned = compare_learned_with_rules(
                engine=engine, settings=settings, as_of=spec.ends_at
            )
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    store = engine.url.render_as_string(hide_password=True)
    console.print(_summary_table(summary))
    console.print(_scoring_lines(scoring), highlight=False)
    console.print(_handoff_lines(handoff), highlight=False)
    console.print(comparison_lines(learned), highlight=False)
    console.print(f"built, scored and worked in {elapsed:.1f} s into {store}", highlight=False)
    _print_world_reports(settings.database_url)
    _print_next_steps(summary, store if db else None)
    if serve:
        serve_demo(settings, db=db, host="127.0.0.1", port=port)


def _scoring_lines(scoring: DemoScoring) -> str:
    return (
        f"Scored every event with the starter model (version {scoring.model_version}): "
        f"{scoring.mqls:,} MQLs handed to sales, {scoring.replay.disqualified:,} junk leads "
        f"disqualified.\nThe MQLs include {scoring.customers_among_mqls:,} of the "
        f"{scoring.customers:,} hidden eventual customers ({scoring.customer_recall:.0%}); "
        f"{scoring.mql_precision:.0%} of MQLs would accept a sales call."
    )


def _handoff_lines(handoff: HandoffSummary) -> str:
    reasons = ", ".join(f"{reason} {count:,}" for reason, count in handoff.rejection_reasons[:3])
    return (
        f"Handoff: {handoff.routed:,} MQLs routed to reps, {handoff.queued:,} to the team queue; "
        f"{handoff.accepted:,} accepted, {handoff.rejected:,} rejected to nurture"
        f"{f' ({reasons})' if reasons else ''}, {handoff.disqualified_by_sales:,} disqualified "
        f"by sales.\n{handoff.sqls:,} SQLs, {handoff.opportunities:,} opportunities, "
        f"{handoff.won:,} won ({_money(handoff.won_revenue)}), {handoff.lost:,} lost. "
        f"SLA met {handoff.sla_met_share:.0%} of {handoff.sla_met + handoff.sla_breached:,} "
        f"deadlines; {handoff.sla_breached:,} breached, {handoff.escalated:,} escalated "
        f"({handoff.reassigned:,} passed to the next rep)."
    )


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else ""


def _money(amount: float) -> str:
    return f"${amount / 1e6:,.1f}M" if amount >= 1e6 else f"${amount:,.0f}"


def _summary_table(summary: WorldSummary) -> Table:
    spec, leads = summary.spec, summary.leads
    table = Table(
        title=f"Demo world: {spec.start} to {spec.end} ({spec.months} months), seed {spec.seed}",
        header_style="bold",
    )
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("", style="dim")
    extra = f"{len(COMPETITOR_DOMAINS)} competitors, {len(UNIVERSITIES)} universities"
    table.add_row("accounts", f"{summary.accounts:,}", extra)
    table.add_row("leads", f"{leads:,}", "")
    table.add_section()
    for profile, count in summary.profiles.most_common():
        table.add_row(f"  {profile.replace('_', ' ')}", f"{count:,}", _share(count, leads))
    table.add_section()
    for source, count in summary.sources.most_common():
        table.add_row(f"  from {source}", f"{count:,}", _share(count, leads))
    table.add_section()
    per_lead = f"{summary.activities / leads:.1f} per lead" if leads else ""
    table.add_row("activities", f"{summary.activities:,}", per_lead)
    table.add_row("sales reps", f"{summary.reps}", f"{summary.managers} managers")
    paid = sum(1 for source in SOURCES if source.cost_per_lead)
    table.add_row("campaign spend", _money(summary.spend_total), f"{paid} paid sources")
    table.add_section()
    table.add_row(
        "would accept a call", f"{summary.would_accept:,}", _share(summary.would_accept, leads)
    )
    table.add_row(
        "would qualify", f"{summary.would_qualify:,}", _share(summary.would_qualify, leads)
    )
    opportunities = summary.would_open_opportunity
    table.add_row(
        "would open an opportunity", f"{opportunities:,}", f"{_money(summary.pipeline)} pipeline"
    )
    customers = f"{_share(summary.would_win, leads)}, {_money(summary.won)} won"
    table.add_row("eventual customers (hidden)", f"{summary.would_win:,}", customers)
    return table


def _print_next_steps(summary: WorldSummary, store: str | None) -> None:
    flag = f" --db {store}" if store else ""
    lines = [f"leadflow leads list --where source=webinar --where persona=data_leader{flag}"]
    if summary.buyer_example:
        lines.append(f"leadflow leads show {summary.buyer_example}{flag}   [dim]# a buyer[/dim]")
    if summary.job_seeker_example:
        example = summary.job_seeker_example
        lines.append(f"leadflow leads show {example}{flag}   [dim]# a job seeker[/dim]")
    console.print(
        "\n[bold]Try next[/bold] (the hidden truth is in table demo_truth; nothing else reads it):"
    )
    for line in lines:
        console.print(f"  {line}", soft_wrap=True, highlight=False)


def _print_world_reports(database_url: str) -> None:
    """The world's funnel and source table, as `leadflow report` prints them."""
    from leadflow.analytics.registry import run_report
    from leadflow.analytics.tables import store_tables
    from leadflow.cli.report_output import print_table, report_table

    engine = open_store(database_url)
    try:
        tables = store_tables(engine)
        print_table(report_table(run_report("funnel", tables)))
        # The screen holds the essentials; `leadflow report sources` shows every column.
        essentials = ("source", "leads", "mqls", "sqls", "customers", "revenue", "spend", "roi")
        print_table(report_table(run_report("sources", tables), essentials))
    finally:
        engine.dispose()
