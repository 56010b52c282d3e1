// Public surface of this area; the package index re-exports everything here.
export {};
