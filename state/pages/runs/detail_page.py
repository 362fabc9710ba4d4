"""The run page: header and actions, a timeline, each step's data, and the events."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from components.shell import page_frame
from components.status import STATUS_COLORS, status_badge
from components.step_error import step_error
from state.pages.runs.detail import RunDetailState as S

REFRESH_MS = 1000


def _fact(label: str, value: Any, testid: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color=rx.color("gray", 11)),
        rx.text(value, weight="medium", data_testid=testid or None),
        spacing="0",
    )


def _workflow_link() -> rx.Component:
    """The workflow the run belongs to, linked back to its builder (plain text for a
    document run without a saved workflow, or one deleted since)."""
    return rx.cond(
        S.origin["href"] != "",
        rx.link(S.origin["workflow"], href=S.origin["href"], data_testid="run-workflow"),
        rx.text(S.origin["workflow"], data_testid="run-workflow"),
    )


def _actions() -> rx.Component:
    return rx.hstack(
        rx.cond(
            ~S.terminal,
            rx.button("Cancel run", color_scheme="red", variant="soft", on_click=S.cancel),
        ),
        rx.foreach(
            S.waiting_nodes,
            lambda node: rx.hstack(
                rx.button("Approve ", node, color_scheme="green", on_click=S.decide(node, True)),
                rx.button(
                    "Reject ",
                    node,
                    color_scheme="red",
                    variant="soft",
                    on_click=S.decide(node, False),
                ),
            ),
        ),
        rx.spacer(),
        rx.cond(
            S.terminal & (S.steps.length() > 0),  # type: ignore[attr-defined]
            rx.hstack(
                rx.text("Rerun from", size="2"),
                rx.select.root(
                    # The high-level rx.select does not pass a name on to its trigger.
                    rx.select.trigger(aria_label="Rerun from step"),
                    rx.select.content(
                        rx.foreach(
                            S.steps, lambda step: rx.select.item(step["node"], value=step["node"])
                        )
                    ),
                    value=S.rerun_node,
                    on_change=S.set_rerun_node,
                ),
                rx.button("Rerun", on_click=S.rerun, data_testid="rerun"),
                align="center",
            ),
        ),
        width="100%",
        align="center",
    )


def _bar(bar: ObjectVar[dict[str, str]]) -> rx.Component:
    color = rx.match(bar["status"], *STATUS_COLORS.items(), "gray")
    return rx.hstack(
        rx.text(bar["node"], size="2", width="160px", min_width="160px", truncate=True),
        rx.box(
            rx.box(
                position="absolute",
                left=bar["left"],
                width=bar["width"],
                top="3px",
                bottom="3px",
                border_radius="4px",
                background=rx.color(color, 9),
                title=bar["node"] + ": " + bar["duration"],
            ),
            position="relative",
            height="24px",
            flex="1",
            background=rx.color("gray", 3),
            border_radius="4px",
            cursor="pointer",
            on_click=S.select(bar["node"]),
        ),
        rx.text(bar["duration"], size="1", width="80px", align="right"),
        width="100%",
        data_testid="timeline-bar",
    )


def _timeline() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Timeline", size="3", as_="h2"),
                rx.spacer(),
                rx.text("0 → ", S.span, size="1", color=rx.color("gray", 11)),
                width="100%",
            ),
            rx.foreach(S.bars, _bar),
            width="100%",
            data_testid="timeline",
        ),
        width="100%",
    )


def _code(text: Any) -> rx.Component:
    return rx.code_block(text, language="json", wrap_long_lines=True, width="100%")


def _step(step: ObjectVar[dict[str, str]]) -> rx.Component:
    open_ = S.selected == step["node"]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(step["label"], weight="bold", data_testid="step-name"),
                rx.text(
                    step["node"],
                    size="1",
                    color=rx.color("gray", 11),
                    font_family="var(--code-font-family)",
                    data_testid="step-id",
                ),
                status_badge(step["status"]),
                rx.spacer(),
                rx.text(step["summary"], size="2", data_testid="step-summary"),
                align="center",
                width="100%",
                cursor="pointer",
                on_click=S.select(step["node"]),
            ),
            rx.cond(
                open_,
                rx.grid(
                    rx.vstack(rx.text("Input", size="1"), _code(step["input"])),
                    rx.vstack(rx.text("Output", size="1"), _code(step["output"])),
                    columns="2",
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.cond(
                step["error_message"],  # "" (and, before a run loads, undefined) is falsy
                step_error(step["error_type"], step["error_message"], "step-error-" + step["node"]),
            ),
            rx.cond(open_ & (step["error"] != ""), _code(step["error"])),
            width="100%",
        ),
        width="100%",
        data_testid="step-" + step["node"],
    )


def _events() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Events", size="3", as_="h2"),
            rx.foreach(
                S.events,
                lambda e: rx.hstack(
                    rx.text("#", e["id"], size="1", width="48px"),
                    rx.text(e["at"], size="1", width="110px", font_family="monospace"),
                    rx.text(e["what"], size="2", width="160px"),
                    status_badge(e["status"]),
                ),
            ),
            max_height="320px",
            overflow_y="auto",
            data_testid="events",
        ),
        width="100%",
    )


def run_detail_page() -> rx.Component:
    return page_frame(
        "Run",
        "Each step on a time axis, with what went in and what came out.",
        rx.cond(~S.terminal, rx.moment(interval=REFRESH_MS, on_change=S.refresh, display="none")),
        rx.cond(
            ~S.found,
            rx.callout("This run does not exist in your organisation.", color_scheme="red"),
            rx.vstack(
                rx.hstack(
                    _fact("Status", status_badge(S.run["status"], data_testid="run-status")),
                    _fact("Workflow", _workflow_link()),
                    _fact("Version", S.origin["version"], "run-version"),
                    _fact("Started", S.run["started"]),
                    _fact("Duration", S.run["duration"]),
                    _fact("Cost", S.run["cost"]),
                    _fact("Tokens", S.run["tokens"]),
                    _fact("Run", S.run["id"]),
                    spacing="6",
                    wrap="wrap",
                ),
                _actions(),
                rx.cond(S.notice != "", rx.callout(S.notice, width="100%")),
                _timeline(),
                rx.cond(
                    S.run["error_message"],  # "" (and, before the run loads, undefined) is falsy
                    step_error(S.run["error_type"], S.run["error_message"], "run-error"),
                ),
                rx.cond(S.run["error"] != "", _code(S.run["error"])),
                rx.cond(S.terminal & (S.run["error"] == ""), _code(S.run["output"])),
                rx.foreach(S.steps, _step),
                _events(),
                width="100%",
                spacing="4",
            ),
        ),
    )
