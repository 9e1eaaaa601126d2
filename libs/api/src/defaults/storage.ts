/** StorageClass defaults (SetDefaults_StorageClass in pkg/apis/storage/v1). */

export function defaultStorageClass(sc: any): void {
  sc.reclaimPolicy ??= 'Delete';
  sc.volumeBindingMode ??= 'Immediate';
}
