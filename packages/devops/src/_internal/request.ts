/** The GA api-version of the endpoints and projects APIs (`docs/reference/devops.md`, "api-version"). */
export const API_VERSION = '7.1';

/** One path segment: project and connection names may hold spaces and other reserved characters. */
export const segment = encodeURIComponent;
