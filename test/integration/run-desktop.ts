/**
 * `npm run test:vscode`: the integration suite in desktop VS Code, through @vscode/test-electron.
 *
 * test-electron normally downloads VS Code, which these machines cannot do, so this runner only
 * uses an editor that is already installed: set VSCODE_EXECUTABLE to its binary (e.g.
 * /usr/share/code/code, or `xvfb-run -a npm run test:vscode` on a machine without a display).
 * Without it, the runner says that it skipped and why, and exits 0. The same suite runs here in
 * code-server's extension host with `npm run test:integration`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

const REPO = path.resolve(__dirname, '..', '..', '..');

async function main(): Promise<number> {
  const executable = process.env.VSCODE_EXECUTABLE;
  if (!executable) {
    console.log(
      'test:vscode: skipped — VSCODE_EXECUTABLE is not set, and desktop VS Code cannot be downloaded on this machine ' +
        '(no network but the npm registry and Debian). Set VSCODE_EXECUTABLE=/path/to/code to run the integration suite in desktop VS Code; ' +
        '`npm run test:integration` runs the same suite in code-server\'s extension host.',
    );
    return 0;
  }
  if (!fs.existsSync(executable)) {
    console.error(`test:vscode: VSCODE_EXECUTABLE=${executable} does not exist`);
    return 1;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podpath-vscode-'));
  try {
    const workspace = path.join(tmp, 'workspace');
    fs.cpSync(path.join(REPO, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
    const code = await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: REPO,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      launchArgs: [
        workspace,
        '--disable-extensions', // other installed extensions stay out; the one under development loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', path.join(tmp, 'user-data'),
        '--extensions-dir', path.join(tmp, 'extensions'),
      ],
      extensionTestsEnv: process.env.PODPATH_TEST_GREP ? { PODPATH_TEST_GREP: process.env.PODPATH_TEST_GREP } : undefined,
    });
    return code;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`test:vscode: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
