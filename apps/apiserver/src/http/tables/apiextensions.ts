/** CustomResourceDefinitions: NAME CREATED AT, as kube-apiserver prints them. */
import { defaultPrinter, type TablePrinter } from './table.ts';

export const customResourceDefinitionPrinter: TablePrinter = defaultPrinter;
