/** PodDisruptionBudgets as kubectl prints them (printPodDisruptionBudget). Issue #19. */
import { defaultPrinter, type TablePrinter } from './table.ts';

export const podDisruptionBudgetPrinter: TablePrinter = defaultPrinter;
