/**
 * Where the order tables are. The order service and the reconciler's connection to the order
 * database (docs/adr/0010-database-per-service.md) name them unqualified; a caller that reaches
 * them from another default schema names that schema.
 */
export interface OrderTables {
  orders: string;
  history: string;
}

const IDENTIFIER = /^[A-Za-z0-9_$]+$/;

const quote = (identifier: string): string => {
  if (!IDENTIFIER.test(identifier)) throw new Error(`not a plain MySQL identifier: ${JSON.stringify(identifier)}`);
  return `\`${identifier}\``;
};

/** The order tables in `schema`, or in the connection's default schema when none is named. */
export function orderTables(schema?: string): OrderTables {
  const prefix = schema === undefined ? '' : `${quote(schema)}.`;
  return { orders: `${prefix}orders`, history: `${prefix}order_status_history` };
}

/** The tables of the connection's default schema. */
export const ORDER_TABLES: OrderTables = orderTables();
