/**
 * @skiff/images: the images Skiff builds on the machine instead of pulling (pause, busybox),
 * shared by the kubelet, which needs the pause image, and the launcher, which builds the
 * example app's image on top of busybox.
 */
export { hasImage, buildImageFromContext } from './build-image.ts';
export { ensurePauseImage, getImageCacheDir, PAUSE_IMAGE } from './pause-image.ts';
export { ensureBusyboxImage, BUSYBOX_IMAGE } from './busybox-image.ts';
export { createTarArchive, type TarEntry } from './tar-archive.ts';
export { ensureNodeImage, packageFiles, sharedLibraries, type NodeImageOptions } from './node-image.ts';
