"""runs: the time spent waiting, so the run deadline measures only execution

``paused_at`` is when the run last started waiting (an approval, a delay that
freed its worker); ``waited_s`` sums the waits that ended. A run's executing time
is ``now - started_at - waited_s - (now - paused_at)``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('runs', sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        'runs', sa.Column('waited_s', sa.Float(), nullable=False, server_default='0')
    )


def downgrade() -> None:
    op.drop_column('runs', 'waited_s')
    op.drop_column('runs', 'paused_at')
