"""The Workflows page: list, search, filter, create, import, rename, duplicate,
delete (confirmed) and export."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from components.dialogs import confirm_dialog, dialog_footer
from components.empty_state import empty_state
from components.problems import problem_list
from components.shell import page_frame
from state.pages.workflows.state import DROP_ZONE_MAX_BYTES
from state.pages.workflows.state import WorkflowsState as S

UPLOAD_ID = "workflow-file"


def _status_badge(status: Any) -> rx.Component:
    return rx.badge(status, color_scheme=rx.cond(status == "published", "green", "gray"))


def _row_menu(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=16),
                variant="ghost",
                aria_label="Actions for " + row["name"],
            ),
            data_testid="row-menu",
        ),
        rx.dropdown_menu.content(
            rx.dropdown_menu.item("Rename", on_click=S.start_rename(row["id"], row["name"])),
            rx.dropdown_menu.item("Duplicate", on_click=S.duplicate(row["id"])),
            rx.dropdown_menu.item("Export JSON", on_click=S.export(row["id"], "json")),
            rx.dropdown_menu.item("Export YAML", on_click=S.export(row["id"], "yaml")),
            rx.dropdown_menu.separator(),
            rx.dropdown_menu.item(
                "Delete…", color="red", on_click=S.ask_delete(row["id"], row["name"])
            ),
        ),
    )


def _row(row: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(row["name"], href="/workflows/" + row["id"], weight="medium"),
                rx.text(row["description"], size="1", color=rx.color("gray", 11)),
                spacing="0",
            )
        ),
        rx.table.cell(_status_badge(row["status"])),
        rx.table.cell(row["nodes"]),
        rx.table.cell(
            rx.hstack(
                rx.text(row["last_run"]),
                rx.cond(row["last_status"] != "", rx.badge(row["last_status"], variant="soft")),
            )
        ),
        rx.table.cell(row["success"]),
        rx.table.cell(row["updated"]),
        rx.table.cell(_row_menu(row)),
        data_testid="workflow-row",
    )


def _table() -> rx.Component:
    headers = ["Name", "Status", "Nodes", "Last run", "Success (last 50)", "Updated", ""]
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(S.rows, _row)),
        width="100%",
        data_testid="workflow-table",
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.debounce_input(
            rx.input(
                placeholder="Search workflows",
                aria_label="Search workflows by name or description",
                value=S.search,
                on_change=S.set_search,
                width="280px",
                data_testid="workflow-search",
            ),
            debounce_timeout=250,
        ),
        rx.select.root(
            rx.select.trigger(aria_label="Filter by status", data_testid="status-filter"),
            rx.select.content(
                *[rx.select.item(label, value=label) for label in ("all", "draft", "published")]
            ),
            value=S.status_filter,
            on_change=S.set_status_filter,
        ),
        rx.spacer(),
        rx.button(rx.icon("upload", size=16), "Import", variant="soft", on_click=S.open_import),
        rx.button(rx.icon("plus", size=16), "New workflow", on_click=S.open_create),
        width="100%",
    )


def _import_problems(problems: Any) -> rx.Component:
    return rx.cond(
        problems.length() > 0,
        rx.callout.root(
            rx.callout.text("The file has problems; nothing was imported:"),
            problem_list(problems, "import-problems"),
            color_scheme="red",
            width="100%",
        ),
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New workflow"),
            rx.el.label("Name", html_for="new-workflow-name", font_size="14px"),
            rx.input(
                id="new-workflow-name",
                placeholder="e.g. Ticket triage",
                value=S.new_name,
                on_change=S.set_new_name,
                data_testid="new-workflow-name",
            ),
            rx.cond(S.create_error != "", rx.text(S.create_error, color="red", size="2")),
            dialog_footer(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Create", on_click=S.create, data_testid="create-workflow"),
            ),
        ),
        open=S.create_open,
        on_open_change=S.set_create_open,
    )


def _drop_zone() -> rx.Component:
    return rx.upload(
        rx.text("Drop a .json or .yaml file here, or click to choose one"),
        id=UPLOAD_ID,
        max_files=1,
        # Larger than a document may be: a file over MAX_UPLOAD_BYTES reaches the
        # server, which says how large it is allowed to be; only far larger ones
        # are refused by the drop zone itself.
        max_size=DROP_ZONE_MAX_BYTES,
        accept={"application/json": [".json"], "application/x-yaml": [".yaml", ".yml"]},
        on_drop=S.import_uploaded(rx.upload_files(upload_id=UPLOAD_ID)),
        # A file the drop zone refuses (too large, not JSON or YAML) is said so.
        on_drop_rejected=S.import_rejected,
        no_click=True,
        border=f"1px dashed {rx.color('gray', 7)}",
        padding="16px",
        width="100%",
        margin_y="8px",
    )


def _import_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Import an agentflow/v1 file"),
            rx.dialog.description("Paste JSON or YAML, or drop a file. It is validated first."),
            # The label names the zone's file input; a click anywhere on it opens the file
            # chooser through the label (no_click: the zone would open a second one).
            rx.el.label(
                _drop_zone(),
                display="block",
                cursor="pointer",
            ),
            rx.el.label("Or paste the file here", html_for="import-text", font_size="14px"),
            rx.text_area(
                id="import-text",
                value=S.import_text,
                on_change=S.set_import_text,
                placeholder="format: agentflow/v1\nname: ...",
                rows="12",
                font_family="monospace",
                width="100%",
                data_testid="import-text",
            ),
            _import_problems(S.import_problems),
            dialog_footer(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Import", on_click=S.import_pasted, data_testid="import-submit"),
            ),
            max_width="640px",
        ),
        open=S.import_open,
        on_open_change=S.set_import_open,
    )


def _rename_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename workflow"),
            rx.el.label("New name", html_for="rename-input", font_size="14px"),
            rx.input(
                id="rename-input",
                value=S.rename_value,
                on_change=S.set_rename_value,
                data_testid="rename-input",
            ),
            rx.cond(S.rename_error != "", rx.text(S.rename_error, color="red", size="2")),
            dialog_footer(
                rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel_rename),
                rx.button("Rename", on_click=S.rename, data_testid="rename-submit"),
            ),
        ),
        open=S.rename_id != "",
    )


def _delete_dialog() -> rx.Component:
    return confirm_dialog(
        title="Delete workflow?",
        description=rx.text(
            "“",
            S.delete_name,
            "” and its published versions will be deleted. "
            "Its past runs stay in Executions. This cannot be undone.",
        ),
        confirm_label="Delete",
        open=S.delete_id != "",
        on_cancel=S.cancel_delete,
        on_confirm=S.confirm_delete,
        confirm_test_id="confirm-delete",
    )


def workflows_page() -> rx.Component:
    return page_frame(
        "Workflows",
        "Design agent workflows as graphs of steps.",
        _toolbar(),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%")),
        rx.cond(
            ~S.loaded,
            rx.hstack(rx.spinner(), rx.text("Loading workflows")),
            rx.cond(
                S.rows.length() > 0,  # type: ignore[attr-defined]
                _table(),
                rx.cond(
                    (S.search != "") | (S.status_filter != "all"),
                    rx.text("No workflow matches these filters.", data_testid="no-match"),
                    empty_state(
                        icon="workflow",
                        title="No workflows yet",
                        explanation="A workflow connects a trigger to LLM calls, HTTP actions, "
                        "branches, loops and human approvals. Create one, or import an "
                        "agentflow/v1 file.",
                        action_label="Browse templates",
                        action_href="/templates",
                    ),
                ),
            ),
        ),
        _create_dialog(),
        _import_dialog(),
        _rename_dialog(),
        _delete_dialog(),
    )
