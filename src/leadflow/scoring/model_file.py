"""The scoring model file (YAML) to a checked ScoringModel; errors name file, line, column."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from importlib import resources
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from leadflow.scoring.errors import ScoringModelError, Source
from leadflow.scoring.language import Condition, Schema, Scope, check_condition, parse_condition
from leadflow.scoring.language.checker import suggestion
from leadflow.scoring.language.durations import EXPECTED as DURATION_EXPECTED
from leadflow.scoring.language.durations import parse_duration
from leadflow.scoring.model import (
    ENGAGEMENT_LABELS,
    FIT_LABELS,
    Bands,
    DisqualifyRule,
    EngagementRule,
    FitRule,
    ScoringModel,
)

_TOP: tuple[str, ...] = ("name", "version", "description", "fit_rules", "engagement_rules")
_TOP += ("disqualify_rules", "fit_bands", "engagement_bands", "mql_criteria")
_REQUIRED = ("name", "version", "fit_bands", "engagement_bands", "mql_criteria")
_RULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_MAX_POINTS = 1e12
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def load_model(path: str | Path, schema: Schema | None = None) -> ScoringModel:
    """Read and check a scoring model file."""
    path = Path(path)
    return parse_model(path.read_text(encoding="utf-8"), file=str(path), schema=schema)


def starter_model_text() -> str:
    """The commented starter model for a B2B SaaS that `leadflow init` writes."""
    return resources.files("leadflow.scoring").joinpath("starter.yaml").read_text("utf-8")


def parse_model(text: str, *, file: str = "<model>", schema: Schema | None = None) -> ScoringModel:
    """Check a scoring model given as YAML text; `file` names it in errors."""
    source = Source(file, text)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = f"invalid YAML: {error.problem or error.context}"
        raise source.error_at_index(reason, mark.index if mark else 0) from None
    except yaml.reader.ReaderError as error:
        # A control character or lone surrogate: YAML refuses it before parsing anything.
        char = error.character
        shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        reason = f"invalid YAML: character {shown} is not allowed in a YAML file"
        raise source.error_at_index(reason, error.position) from None
    except RecursionError:
        raise source.error_at_index("invalid YAML: nested too deeply", 0) from None
    if root is None:
        raise source.error_at_index("the file is empty; expected a scoring model", 0)
    return _Reader(source, schema or Schema.build()).model(root)


def _align(value: str, raw: str, start: int) -> list[int]:
    """For each character of a scalar's value, its index in the file (and one past the end)."""
    indexes, j = [], 0
    for char in value:
        found = raw.find(char, j)
        if char == " " and (newline := raw.find("\n", j)) >= 0:
            # A folded line break reads as a space.
            found = newline if found < 0 else min(found, newline)
        indexes.append(start + (j if found < 0 else found))
        j = j if found < 0 else found + 1
    indexes.append(start + min(j, len(raw)))
    return indexes


class _Reader:
    def __init__(self, source: Source, schema: Schema) -> None:
        self.source = source
        self.schema = schema
        self.rule_names: set[str] = set()

    def fail(self, reason: str, node: Node) -> ScoringModelError:
        return self.source.error_at_index(reason, node.start_mark.index)

    def mapping(
        self, node: Node, what: str, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.fail(f"expected {what} (a mapping of keys to values)", node)
        found: dict[str, Node] = {}
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else ""
            if name not in allowed:
                hint = suggestion(name, allowed) or f"; expected one of {', '.join(allowed)}"
                raise self.fail(f"unknown key '{name}' in {what}{hint}", key)
            if name in seen:
                raise self.fail(f"duplicate key '{name}' in {what}", key)
            seen.add(name)
            if not (isinstance(value, ScalarNode) and value.tag.endswith(":null")):
                found[name] = value
            elif name in required:
                raise self.fail(f"'{name}' in {what} needs a value", key)
        for name in required:
            if name not in seen:
                raise self.fail(f"{what} is missing '{name}'", node)
        return found

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or not node.value.strip():
            raise self.fail(f"expected {what} (text)", node)
        return str(node.value)

    def number(self, node: Node, what: str) -> float:
        if not isinstance(node, ScalarNode) or node.tag not in _NUMBER_TAGS:
            raise self.fail(f"expected {what} (a number)", node)
        value = float(SafeConstructor().construct_object(node))
        if not math.isfinite(value):
            raise self.fail(f"expected {what} (a number)", node)
        if abs(value) > _MAX_POINTS:
            raise self.fail(f"{what} must be between -1e12 and 1e12", node)
        return value

    def duration(self, node: Node, what: str) -> timedelta:
        duration = parse_duration(node.value) if isinstance(node, ScalarNode) else None
        if duration is None:
            raise self.fail(f"{what} must be {DURATION_EXPECTED}", node)
        return duration

    def condition(self, node: Node, scope: Scope) -> Condition:
        if not isinstance(node, ScalarNode):
            raise self.fail(f"expected a condition (text) for {scope.place}", node)
        start, end = node.start_mark.index, node.end_mark.index
        piece = self.source.piece(_align(node.value, self.source.text[start:end], start))
        try:
            condition = parse_condition(node.value, piece)
            check_condition(condition, scope, piece)
        except RecursionError:
            raise self.fail("the condition is nested too deeply", node) from None
        return condition

    def rules(self, node: Node | None, what: str) -> list[dict[str, Node]]:
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            raise self.fail(f"expected a list of {what}s", node)
        return [self.rule(item, what) for item in node.value]

    def rule(self, node: Node, what: str) -> dict[str, Node]:
        keys = {
            "fit rule": (("name", "when", "points"), ()),
            "engagement rule": (("name", "event", "points"), ("where", "half_life", "cap")),
            "disqualify rule": (("name", "when"), ()),
        }[what]
        article = "an" if what.startswith("engagement") else "a"
        allowed = (*keys[0], *keys[1], "description")
        fields = self.mapping(node, f"{article} {what}", allowed, keys[0])
        name = self.text(fields["name"], "a rule name")
        if not _RULE_NAME.fullmatch(name):
            raise self.fail(
                f"rule name '{name}' must be letters, digits, '_' or '-', starting with a "
                "letter (prose goes in description)",
                fields["name"],
            )
        if name in self.rule_names:
            raise self.fail(
                f"duplicate rule name '{name}'; rule names must be unique", fields["name"]
            )
        self.rule_names.add(name)
        return fields

    def description(self, fields: dict[str, Node]) -> str | None:
        node = fields.get("description")
        return None if node is None else self.text(node, "a description")

    def bands(self, node: Node, what: str, labels: tuple[str, ...]) -> Bands:
        keys = labels[:-1]
        fields = self.mapping(node, what, keys, keys)
        thresholds = tuple(self.number(fields[k], f"the threshold of band {k}") for k in keys)
        for label, previous, threshold in zip(keys[1:], thresholds, thresholds[1:], strict=False):
            if threshold >= previous:
                raise self.fail(
                    f"band {label} must start below the band before it ({previous:g}); "
                    f"thresholds go from best to worst",
                    fields[label],
                )
        return Bands(labels, thresholds)

    def engagement_rule(self, fields: dict[str, Node]) -> EngagementRule:
        event = self.text(fields["event"], "an event type")
        if event not in self.schema.event_types:
            hint = suggestion(event, self.schema.event_types)
            raise self.fail(f"unknown event type '{event}'{hint}", fields["event"])
        cap = None
        if "cap" in fields:
            cap = self.number(fields["cap"], "a cap")
            if cap <= 0:
                raise self.fail(
                    "a cap must be greater than 0 (it clamps to -cap..cap)", fields["cap"]
                )
        return EngagementRule(
            name=fields["name"].value,
            event=event,
            points=self.number(fields["points"], "points"),
            where=self.condition(fields["where"], self.schema.event_scope())
            if "where" in fields
            else None,
            half_life=self.duration(fields["half_life"], "a half-life")
            if "half_life" in fields
            else None,
            cap=cap,
            description=self.description(fields),
        )

    def model(self, root: Node) -> ScoringModel:
        top = self.mapping(root, "the scoring model", _TOP, _REQUIRED)
        fit_rules = tuple(
            FitRule(
                name=f["name"].value,
                when=self.condition(f["when"], self.schema.fit_scope()),
                points=self.number(f["points"], "points"),
                description=self.description(f),
            )
            for f in self.rules(top.get("fit_rules"), "fit rule")
        )
        engagement_rules = tuple(
            self.engagement_rule(f)
            for f in self.rules(top.get("engagement_rules"), "engagement rule")
        )
        disqualify_rules = tuple(
            DisqualifyRule(
                name=f["name"].value,
                when=self.condition(f["when"], self.schema.disqualify_scope()),
                description=self.description(f),
            )
            for f in self.rules(top.get("disqualify_rules"), "disqualify rule")
        )
        return ScoringModel(
            name=self.text(top["name"], "the model's name"),
            version=self.text(top["version"], "the model's version"),
            description=self.description(top),
            fit_rules=fit_rules,
            engagement_rules=engagement_rules,
            disqualify_rules=disqualify_rules,
            fit_bands=self.bands(top["fit_bands"], "fit_bands", FIT_LABELS),
            engagement_bands=self.bands(
                top["engagement_bands"], "engagement_bands", ENGAGEMENT_LABELS
            ),
            mql_criteria=self.condition(top["mql_criteria"], self.schema.criteria_scope()),
        )
