import type { ReadableError } from "../errors.js";

/** A command's failure, in words: the headline, then the backend's explanation. */
export function ErrorNotice(props: { error: ReadableError }) {
  const { title, detail } = props.error;
  return (
    <div className="notice notice-error" role="alert">
      <strong>{title}</strong>
      {detail !== undefined && detail !== title && <p>{detail}</p>}
    </div>
  );
}
