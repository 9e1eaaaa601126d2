/** HorizontalPodAutoscalers as kubectl prints them (printHorizontalPodAutoscaler). Issue #19. */
import { defaultPrinter, type TablePrinter } from './table.ts';

export const horizontalPodAutoscalerPrinter: TablePrinter = defaultPrinter;
