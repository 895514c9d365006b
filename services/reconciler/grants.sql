-- Least-privilege grants of the reconciler's database user on the other services' schemas
-- (docs/adr/0004-reconciler-database-access.md). Applied by scripts/stack/prepare.ts after the
-- migrations, because table and column grants need the tables. Idempotent: GRANT only adds.
-- {user}, {order}, {payment} and {inventory} are replaced with the user and schema names. Each
-- statement names one schema: with a server per service (docs/adr/0010-database-per-service.md)
-- each server gets the statements on its own schema, for the reconciler's user there.

-- Reading every schema: the checks, the trace and the replay.
GRANT SELECT ON `{order}`.* TO {user};
GRANT SELECT ON `{payment}`.* TO {user};
GRANT SELECT ON `{inventory}`.* TO {user};

-- Order repairs (pay, confirm, expire): the guarded status update, its history row, and the
-- order.expired event in the order outbox. No other order column, no DELETE anywhere.
GRANT UPDATE (status, updated_at, payment_id) ON `{order}`.`orders` TO {user};
GRANT INSERT ON `{order}`.`order_status_history` TO {user};
GRANT INSERT, UPDATE (published_at, last_error) ON `{order}`.`outbox` TO {user};
-- A Redis rebuild bumps the sale's write fence before it reads the books
-- (docs/adr/0006-redis-loss-recovery.md): the row's first INSERT (epoch 0), then its epoch.
GRANT INSERT, UPDATE (epoch) ON `{order}`.`sale_write_fences` TO {user};

-- Stock repairs (release, refund, drift back to the audit fold): the reservation's transition, the
-- stock column, the append-only audit (INSERT only) and stock.released in the inventory outbox.
GRANT UPDATE (stock, allocated) ON `{inventory}`.`skus` TO {user};
-- A sale's allocation follows the units a repair gives back (docs/adr/0005-sale-allocations.md).
GRANT UPDATE (allocated) ON `{inventory}`.`flash_sales` TO {user};
GRANT INSERT, UPDATE (status, release_reason, released_at, refunded_at) ON `{inventory}`.`stock_reservations` TO {user};
GRANT INSERT ON `{inventory}`.`inventory_audit` TO {user};
GRANT INSERT, UPDATE (published_at, last_error) ON `{inventory}`.`outbox` TO {user};

-- Stuck payment events are published by the reconciler and marked; payments themselves are never
-- written by it (money moves only through the provider's webhooks).
GRANT UPDATE (published_at, last_error) ON `{payment}`.`outbox` TO {user};

-- Refund of a paid order inventory refused (paid-unconfirmable): a REQUESTED refund and its history
-- row, as the payment service writes its automatic ones; its refund sweep sends it to the provider.
GRANT INSERT ON `{payment}`.`refunds` TO {user};
GRANT INSERT ON `{payment}`.`payment_status_history` TO {user};
