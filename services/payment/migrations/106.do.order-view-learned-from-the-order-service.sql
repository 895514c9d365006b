-- An order the view has not seen yet (its order.created still on its way through Kafka) is
-- learned by asking the order service synchronously when its shopper opens a payment. Such a row
-- comes from no event, so its last_event_id is NULL until an event moves it on; the order.created
-- that arrives later finds the row and changes nothing.
ALTER TABLE order_view MODIFY last_event_id CHAR(36) NULL;
