"""What a page's chart shows, as the JSON `/static/charts.js` draws with Chart.js."""

from __future__ import annotations

from typing import Any

# Colour-blind safe (Okabe-Ito), in the order series come.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")


def bar_chart(
    labels: list[Any],
    series: dict[str, list[Any]],
    *,
    kind: str = "bar",
    horizontal: bool = False,
) -> dict[str, Any]:
    """A chart of `series` (name -> one value per label); empty values are left as gaps."""
    return {
        "type": kind,
        "horizontal": horizontal,
        "labels": [str(label) for label in labels],
        "datasets": [
            {"label": name, "data": values, "color": PALETTE[i % len(PALETTE)]}
            for i, (name, values) in enumerate(series.items())
        ],
    }
