"""A dialog that starts a run from JSON the user edits: the text, why the last attempt
was refused (a sentence and the problems), Cancel and the run button. The builder's
Test run and Test step are both this dialog."""

from __future__ import annotations

from typing import Any

import reflex as rx

from components.problems import problem_list


def json_run_dialog(
    *,
    title: Any,
    description: str,
    text: Any,
    on_text: Any,
    text_label: str,
    error: Any,
    problems: Any,
    run_label: str,
    on_run: Any,
    running: Any,
    is_open: Any,
    on_open_change: Any,
    test_ids: tuple[str, str, str, str],
    above_text: rx.Component | None = None,
    beside_cancel: rx.Component | None = None,
    rows: str = "10",
    max_width: str = "560px",
) -> rx.Component:
    """``test_ids``: the text, the error sentence, the problems and the run button."""
    text_id, error_id, problems_id, run_id = test_ids
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(description, size="2"),
            rx.vstack(
                above_text if above_text is not None else rx.fragment(),
                rx.text_area(
                    value=text,
                    on_change=on_text,
                    rows=rows,
                    font_family="var(--code-font-family)",
                    width="100%",
                    data_testid=text_id,
                    aria_label=text_label,
                ),
                rx.cond(
                    error != "",
                    rx.text(error, color=rx.color("red", 11), size="2", data_testid=error_id),
                ),
                rx.cond(problems.length() > 0, problem_list(problems, problems_id)),
                rx.hstack(
                    beside_cancel if beside_cancel is not None else rx.fragment(),
                    rx.spacer(),
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button(
                        rx.icon("play", size=14),
                        run_label,
                        on_click=on_run,
                        loading=running,
                        data_testid=run_id,
                    ),
                    width="100%",
                ),
                spacing="3",
                padding_top="12px",
            ),
            max_width=max_width,
        ),
        open=is_open,
        on_open_change=on_open_change,
    )
