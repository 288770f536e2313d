"""Charts of a report: a PNG drawn by matplotlib, or an HTML page drawn by Chart.js.

Both show the same bars: one per value of the chart's label column (a stage, a source, a
grade), one series per measure. Other grouping columns split the bars into series of their
own (a funnel by source draws one series per source). The HTML page inlines the vendored
Chart.js, so it opens offline; every text is escaped and the numbers travel as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from leadflow.analytics.registry import Chart, ReportResult
from leadflow.errors import InvalidInputError

CHART_SUFFIXES = (".png", ".html")
_PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777")


@dataclass(frozen=True)
class ChartData:
    """Bars: the labels along the axis, and each series' values (None for a gap)."""

    labels: list[str]
    series: dict[str, list[float | None]]
    horizontal: bool


def chart_data(result: ReportResult) -> ChartData:
    """The bars of a report's chart; InvalidInputError if the report has no chart."""
    chart = result.chart
    if chart is None:
        raise InvalidInputError(
            f"report {result.name} has no chart; charts: funnel, sources, attribution, calibration"
        )
    return _bars(result, chart)


def write_chart(result: ReportResult, path: Path) -> Path:
    """Write the chart of `result` to `path`: .png or .html by its suffix."""
    suffix = path.suffix.lower()
    if suffix not in CHART_SUFFIXES:
        raise InvalidInputError(f"--chart {path}: expected a .png or .html file")
    if not path.parent.is_dir():
        raise InvalidInputError(f"--chart {path}: folder {path.parent} does not exist")
    data = chart_data(result)
    if suffix == ".png":
        _write_png(result.title, data, path)
    else:
        path.write_text(chart_html(result, data), encoding="utf-8")
    return path


def chart_html(result: ReportResult, data: ChartData | None = None) -> str:
    """The chart of `result` as one self-contained HTML page."""
    data = data or chart_data(result)
    environment = Environment(
        loader=PackageLoader("leadflow.analytics", "templates"),
        autoescape=select_autoescape(["html", "html.j2"]),
    )
    datasets = [
        {"label": name, "data": values, "backgroundColor": _PALETTE[i % len(_PALETTE)]}
        for i, (name, values) in enumerate(data.series.items())
    ]
    payload = {"labels": data.labels, "datasets": datasets, "horizontal": data.horizontal}
    return environment.get_template("chart.html.j2").render(
        title=result.title,
        columns=result.columns,
        rows=result.rows,
        data=payload,
        chart_js=_chart_js(),
    )


def _chart_js() -> str:
    vendor = resources.files("leadflow") / "web" / "static" / "vendor" / "chart.umd.min.js"
    # A "</script" inside the inlined library would end the element early; it has none,
    # and this keeps it that way should the file ever change.
    return vendor.read_text(encoding="utf-8").replace("</script", "<\\/script")


def _bars(result: ReportResult, chart: Chart) -> ChartData:
    numeric = set(chart.series)
    splits = [
        c
        for c in result.columns
        if c != chart.label and c not in numeric and _is_group(result.rows, c)
    ]
    labels: list[str] = []
    series: dict[str, dict[str, float | None]] = {}
    for row in result.rows:
        label = str(row[chart.label])
        if label not in labels:
            labels.append(label)
        split = " / ".join(str(row[c]) for c in splits)
        for measure in chart.series:
            name = f"{split} {measure}".strip() if splits else measure
            series.setdefault(name, {})[label] = _number(row.get(measure))
    return ChartData(
        labels=labels,
        series={name: [values.get(label) for label in labels] for name, values in series.items()},
        horizontal=chart.horizontal,
    )


def _is_group(rows: list[dict[str, Any]], column: str) -> bool:
    return any(isinstance(row.get(column), str) for row in rows)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _write_png(title: str, data: ChartData, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    from matplotlib import pyplot

    # Names are data, not TeX: a campaign called "$$$" must print as itself.
    with matplotlib.rc_context({"text.parse_math": False}):
        figure, axes = pyplot.subplots(figsize=(10, 5), dpi=100)
        try:
            _draw(axes, title, data)
            figure.tight_layout()
            figure.savefig(path, format="png")
        finally:
            pyplot.close(figure)


def _draw(axes: Any, title: str, data: ChartData) -> None:
    count = max(len(data.series), 1)
    width = 0.8 / count
    positions = list(range(len(data.labels)))
    for i, (name, values) in enumerate(data.series.items()):
        shifted = [p + (i - (count - 1) / 2) * width for p in positions]
        heights = [v if v is not None else 0.0 for v in values]
        colour = _PALETTE[i % len(_PALETTE)]
        if data.horizontal:
            axes.barh(shifted, heights, height=width, label=name, color=colour)
        else:
            axes.bar(shifted, heights, width=width, label=name, color=colour)
    if data.horizontal:
        axes.set_yticks(positions, data.labels)
        axes.invert_yaxis()
    else:
        axes.set_xticks(positions, data.labels, rotation=30, ha="right")
    axes.set_title(title)
    if len(data.series) > 1:
        axes.legend()
