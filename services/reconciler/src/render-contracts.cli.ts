// Writes docs/recovery-contracts.md from the contract data (committed; a test keeps it in step).
import { writeFileSync } from 'node:fs';
import { contracts } from './domain/recovery-contracts/index.ts';
import { renderContracts } from './domain/recovery-contracts/render-contracts.ts';

export const renderedContractsPath = new URL('../../../docs/recovery-contracts.md', import.meta.url).pathname;
writeFileSync(renderedContractsPath, renderContracts(contracts));
process.stdout.write(`wrote ${renderedContractsPath}\n`);
