/** PriorityClasses as kubectl prints them (printPriorityClass). Issue #19. */
import { defaultPrinter, type TablePrinter } from './table.ts';

export const priorityClassPrinter: TablePrinter = defaultPrinter;
