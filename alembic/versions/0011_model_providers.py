"""model providers: the providers an organisation enabled, and its default model;
an index to find the latest audit event about one target (autosave sessions)

Keys are organisation secrets; a row holds only which provider is enabled and,
for Azure, its endpoint and API version.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('org_model_providers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('org_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('api_base', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('api_version', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'provider', name='uq_org_model_provider')
    )
    op.create_index(
        op.f('ix_org_model_providers_org_id'), 'org_model_providers', ['org_id'], unique=False
    )
    op.add_column(
        'organizations',
        sa.Column('default_model', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )


    op.create_index(
        'ix_audit_events_org_target',
        'audit_events',
        ['org_id', 'target_type', 'target_id', 'id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_audit_events_org_target', table_name='audit_events')
    op.drop_column('organizations', 'default_model')
    op.drop_index(op.f('ix_org_model_providers_org_id'), table_name='org_model_providers')
    op.drop_table('org_model_providers')
