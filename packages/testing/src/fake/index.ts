/** The stateful fake: being written. */
export {};
