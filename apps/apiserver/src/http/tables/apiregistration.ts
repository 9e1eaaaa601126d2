/** APIServices: NAME SERVICE AVAILABLE AGE. */
import { defaultPrinter, type TablePrinter } from './table.ts';

export const apiServicePrinter: TablePrinter = defaultPrinter;
