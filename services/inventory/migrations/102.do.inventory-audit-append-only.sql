-- The service's database user may UPDATE and DELETE (it needs to for other tables); these triggers
-- keep the audit append-only regardless of who connects.
CREATE TRIGGER inventory_audit_no_update BEFORE UPDATE ON inventory_audit FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'inventory_audit is append-only';
CREATE TRIGGER inventory_audit_no_delete BEFORE DELETE ON inventory_audit FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'inventory_audit is append-only';
