/** What valid post and comment ids look like, for request schemas. */
export const POST_ID_PATTERN = "^p_[A-Za-z0-9_-]{16}$";
export const COMMENT_ID_PATTERN = "^c_[A-Za-z0-9_-]{16}$";
