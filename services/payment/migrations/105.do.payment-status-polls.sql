-- When the payment status sweep last asked the provider about a PENDING payment whose webhook has
-- not arrived. The sweep polls the least recently polled payments first and each one at most once
-- per PAYMENT_STATUS_POLL_AFTER_MS, so payments the shopper never completes cannot starve the rest.
ALTER TABLE payments
  ADD COLUMN status_polled_at DATETIME(6) NULL AFTER callback_at,
  ADD KEY ix_payments_status_poll (status, status_polled_at);
