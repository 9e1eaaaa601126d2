export * from './resource-info.ts';
export * from './patch/index.ts';
