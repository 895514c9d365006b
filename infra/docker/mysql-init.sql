-- The same databases, users and grants as infra/local/mariadb.sh provisions (local-only passwords).
CREATE USER IF NOT EXISTS 'flashsale_admin'@'%' IDENTIFIED BY 'admin-local-only';
GRANT ALL PRIVILEGES ON *.* TO 'flashsale_admin'@'%' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS order_service CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS payment_service CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS inventory_service CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS reconciler_service CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'order_svc'@'%' IDENTIFIED BY 'order-local-only';
CREATE USER IF NOT EXISTS 'payment_svc'@'%' IDENTIFIED BY 'payment-local-only';
CREATE USER IF NOT EXISTS 'inventory_svc'@'%' IDENTIFIED BY 'inventory-local-only';
CREATE USER IF NOT EXISTS 'reconciler_svc'@'%' IDENTIFIED BY 'reconciler-local-only';
GRANT SELECT, INSERT, UPDATE, DELETE ON order_service.* TO 'order_svc'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON payment_service.* TO 'payment_svc'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON inventory_service.* TO 'inventory_svc'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON reconciler_service.* TO 'reconciler_svc'@'%';
-- The reconciler reads every service schema; its repair grants name tables and columns, so the
-- prepare step applies them after the migrations (services/reconciler/grants.sql).
GRANT SELECT ON order_service.* TO 'reconciler_svc'@'%';
GRANT SELECT ON payment_service.* TO 'reconciler_svc'@'%';
GRANT SELECT ON inventory_service.* TO 'reconciler_svc'@'%';
