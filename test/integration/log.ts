/**
 * Printing from inside the extension host. Both hosts forward console.log (code-server through
 * the page's `codeAutomationLog`); the code-server runner sets PODPATH_LOG_MARK so it can tell
 * our lines from the workbench's own log, and strips the mark again.
 */
export function say(text: string): void {
  const mark = process.env.PODPATH_LOG_MARK ?? '';
  console.log(mark + text);
}
