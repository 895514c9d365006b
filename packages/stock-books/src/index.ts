/**
 * The inventory books' stock return, once: which reservation status and audit operation a return
 * is, and the statements that write it. The inventory service's handlers and the reconciler's
 * repair run the same ones.
 */
export { stockDeltaOf, stockReturnFor, type ReturnReason, type StockReturn } from './stock-return.ts';
export { appendAudit, returnUnits, transitionReservation, type AuditEntry, type AuditOperation, type ReservationStatus } from './stock-books.repository.ts';
