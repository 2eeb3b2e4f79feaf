"""Render an alert as a Slack Block Kit message an on-call engineer can act on in seconds.

What is shown: severity (colour bar and emoji), rule, service, count and window, the top messages, where the
error started (origin service of the sample traces) and where it spread, and links to Dashboards Discover
filtered by trace id and by service.

Every piece of free text (messages, titles, reasons, raw text of unknown messages) and every id (trace and
transaction ids can be free-form and hold an e-mail address) goes through the masker first and is then
truncated to Slack's limits (header 150, section text 3000, field 2000, 50 blocks), and escaped for mrkdwn,
so no unmasked personal data and no oversize payload can reach Slack. A value becomes part of a link URL only
when the masker left it unchanged: a masked id is shown masked, without a link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from logpipe.alerting.messages import AlertGroup, AlertMessage
from logpipe.opensearch.discover import service_url, trace_url
from logpipe.traces import TraceReport

HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FALLBACK_TEXT_MAX = 3000
MAX_BLOCKS = 50
MESSAGE_LINE_MAX = 300
MAX_GROUPS = 5
MAX_SAMPLES = 3

COLOURS = {"critical": "#B71C1C", "high": "#E65100", "medium": "#F9A825", "low": "#1565C0", "info": "#2E7D32"}
EMOJI = {"critical": ":red_circle:", "high": ":large_orange_circle:", "medium": ":large_yellow_circle:"}
RESOLVED_COLOUR = "#2E7D32"

Masker = Callable[[str], str]


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def mrkdwn_escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def default_masker() -> Masker:
    """The PII engine's text masker (``load_masker().mask_text``), bridged for engines without it."""
    from logpipe.masking import load_masker

    engine: Any = load_masker()
    mask_text = getattr(engine, "mask_text", None)
    if callable(mask_text):

        def mask(text: str) -> str:
            masked, _ = mask_text(text)
            return str(masked)

        return mask

    def mask_via_document(text: str) -> str:  # engines that only mask documents
        doc = {"message": text}
        engine.mask_document(doc)
        return str(doc["message"])

    return mask_via_document


@dataclass(frozen=True, slots=True)
class RenderContext:
    """Everything the renderer needs besides the alert itself."""

    mask: Masker
    dashboards_url: str | None = None
    environment: str | None = None


class _Text:
    """Mask, escape and truncate in one place so no path forgets one of them."""

    def __init__(self, mask: Masker) -> None:
        self.mask = mask

    def safe(self, text: str | None, limit: int, *, escape: bool = True) -> str:
        masked = self.mask(text or "")
        masked = " ".join(masked.split()) if limit <= 1000 else masked  # one line, except raw text
        return truncate(mrkdwn_escape(masked) if escape else masked, limit)

    def linkable(self, value: str) -> bool:
        """True when ``value`` may appear in a URL: the masker finds no personal data in it."""
        return self.mask(value) == value


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_MAX)}}


def _fields(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": truncate(f"*{k}*\n{v}", FIELD_MAX)} for k, v in pairs[:10]],
    }


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _period(alert: AlertMessage) -> str:
    start, end = _parse_time(alert.period_start), _parse_time(alert.period_end)
    if start and end:
        return f"{start:%Y-%m-%d %H:%M:%S} – {end:%H:%M:%S} UTC"
    if end:
        return f"{end:%Y-%m-%d %H:%M:%S} UTC"
    return ""


def _count_text(alert: AlertMessage, group: AlertGroup) -> str:
    if group.count is None:
        return "n/a"
    text = f"{group.count} log{'' if group.count == 1 else 's'}"
    if alert.window:
        text += f" in {alert.window}"
    if alert.ratio is not None and group.total:
        text += f" ({group.count / group.total:.0%} of {group.total} logs)"
    return text


def _trace_ref(tid: str, t: _Text, ctx: RenderContext, environment: str | None) -> tuple[str, bool]:
    """(mrkdwn for a trace/transaction id, whether it is a link): masked like any text; linked only when the
    masker left it unchanged, so a free-form id holding personal data never reaches Slack, not even in a URL."""
    shown = t.safe(tid, 200)
    if ctx.dashboards_url and t.linkable(tid):
        return f"<{trace_url(ctx.dashboards_url, tid, environment)}|{shown}>", True
    return f"`{shown}`", False


def _trace_lines(
    reports: Sequence[TraceReport], t: _Text, ctx: RenderContext, environment: str | None
) -> tuple[list[str], bool]:
    lines = []
    linked = False
    for report in reports:
        link, is_link = _trace_ref(report.trace_id, t, ctx, environment)
        linked |= is_link
        if report.origin is None:
            lines.append(f"• {link}: {len(report.entries)} logs, no error found in the trace")
            continue
        origin = report.origin
        what = t.safe(origin.error_type or origin.message, 200)
        line = f"• {link}: started in *{t.safe(origin.service, 100)}* at {origin.timestamp[11:23]} ({what})"
        if report.spread_to:
            line += " → spread to " + ", ".join(f"*{t.safe(s, 100)}*" for s in report.spread_to)
        if report.error_gap_ms is not None:
            line += f" within {report.error_gap_ms} ms"
        lines.append(line)
    return lines, linked


def _fallback_counts(alert: AlertMessage) -> str:
    """``42 logs in 5m`` for one group; ``67 logs in 5m (checkout 42, payment 25)`` for several: the total
    counts every alerting group, not only the first (recovered groups have no current count)."""
    counted = [g for g in alert.groups if g.count is not None and g.state != "completed"]
    if not counted:
        return ""
    total = sum(g.count or 0 for g in counted)
    text = f"{total} log{'' if total == 1 else 's'}" + (f" in {alert.window}" if alert.window else "")
    if len(counted) > 1:
        shown = ", ".join(f"{g.label} {g.count}" for g in counted[:MAX_GROUPS])
        more = f", +{len(counted) - MAX_GROUPS} more" if len(counted) > MAX_GROUPS else ""
        text += f" ({shown}{more})"
    return text


def render_alert(alert: AlertMessage, reports: Sequence[TraceReport], ctx: RenderContext) -> dict[str, Any]:
    """The webhook payload: fallback ``text`` plus one coloured attachment holding the blocks."""
    t = _Text(ctx.mask)
    severity = alert.severity
    emoji = ":white_check_mark:" if alert.resolved else EMOJI.get(severity, ":large_blue_circle:")
    env = f"[{alert.environment or ctx.environment}] " if (alert.environment or ctx.environment) else ""
    services = [g.service for g in alert.groups if g.service]
    who = f" · {', '.join(services[:3])}" if services else ""
    state = "RESOLVED " if alert.resolved else ""
    header = t.safe(f"{env}{state}{severity.upper()}: {alert.title}{who}", HEADER_MAX, escape=False)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}}]

    summary = [("Severity", f"{emoji} {severity}")]
    if alert.rule:
        summary.append(("Rule", t.safe(alert.rule, 200)))
    elif alert.monitor:
        summary.append(("Monitor", t.safe(alert.monitor, 200)))
    if alert.environment or ctx.environment:
        summary.append(("Environment", t.safe(alert.environment or ctx.environment, 100)))
    period = _period(alert)
    if period:
        summary.append(("Period", period))
    if alert.threshold is not None and alert.source == "logpipe" and alert.window:
        rule_text = f">= {alert.threshold} in {alert.window}"
        if alert.ratio is not None:
            rule_text += f" and >= {alert.ratio:.0%} of logs"
        summary.append(("Threshold", rule_text))
    summary.extend((k, t.safe(v, 500)) for k, v in alert.details)
    blocks.append(_fields(summary))
    if alert.description:
        blocks.append(_section(t.safe(alert.description, 1000)))

    environment = ctx.environment or alert.environment  # the index pattern id of the links depends on it
    linked = False
    start = _parse_time(alert.period_start)
    end = _parse_time(alert.period_end)
    time_from = _iso(start - timedelta(minutes=15)) if start else "now-1h"
    time_to = _iso(end + timedelta(minutes=5)) if end else "now"
    for group in alert.groups[:MAX_GROUPS]:
        title = f"*{t.safe(group.label, 200)}*: {_count_text(alert, group)}"
        if group.state == "ongoing":
            title += " (ongoing)"
        elif group.state == "completed":
            title = f"*{t.safe(group.label, 200)}*: recovered (below the threshold again)"
        lines = [title]
        for sample in group.samples[:MAX_SAMPLES]:
            prefix = f"`{t.safe(sample.error_type, 150)}` " if sample.error_type else ""
            lines.append(f"> {prefix}{t.safe(sample.message, MESSAGE_LINE_MAX)}")
        if ctx.dashboards_url and group.service and t.linkable(group.service):
            url = service_url(ctx.dashboards_url, group.service, environment, time_from, time_to)
            lines.append(f"<{url}|Open {t.safe(group.service, 100)} errors in Discover>")
            linked = True
        blocks.append(_section("\n".join(lines)))
    if len(alert.groups) > MAX_GROUPS:
        blocks.append(_section(f"…and {len(alert.groups) - MAX_GROUPS} more groups"))

    trace_lines, traces_linked = _trace_lines(reports, t, ctx, environment)
    linked |= traces_linked
    if trace_lines:
        blocks.append(_section("*Where it started*\n" + "\n".join(trace_lines)))
    elif alert.trace_ids():
        refs = [_trace_ref(tid, t, ctx, environment) for tid in alert.trace_ids()]
        linked |= any(is_link for _, is_link in refs)
        blocks.append(_section("*Sample traces*\n" + "\n".join(f"• {ref}" for ref, _ in refs)))

    if alert.text:
        blocks.append(_section("```" + t.safe(alert.text, SECTION_MAX - 6) + "```"))
    if alert.error:
        blocks.append(_section("*Monitor error*\n" + t.safe(alert.error, 1000)))
    footer = [f"source: {alert.source}"]
    if linked:  # only promise links that are there (no DASHBOARDS_URL, or only masked ids: none)
        footer.append("the links open OpenSearch Dashboards Discover")
    if alert.runbook:
        footer.append(t.safe(alert.runbook, 1500))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(" · ".join(footer), 3000)}]})

    blocks = blocks[:MAX_BLOCKS]
    counts = _fallback_counts(alert)
    fallback = f"{header}: {counts}" if counts else header
    colour = RESOLVED_COLOUR if alert.resolved else COLOURS.get(severity, COLOURS["medium"])
    return {
        "text": truncate(fallback, FALLBACK_TEXT_MAX),
        "attachments": [{"color": colour, "fallback": truncate(fallback, FALLBACK_TEXT_MAX), "blocks": blocks}],
    }
