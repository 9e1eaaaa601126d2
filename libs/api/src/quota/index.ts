export * from './resources.ts';
export * from './evaluators.ts';
export * from './scopes.ts';
