// Two bundles from one source tree: the VS Code extension (vscode stays external, provided by
// the editor at run time) and the standalone `podpath` CLI.
const fs = require('fs');
const path = require('path');

const common = {
  target: 'node',
  mode: 'none',
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [{ test: /\.ts$/, exclude: /node_modules/, use: [{ loader: 'ts-loader', options: { configFile: 'tsconfig.json', transpileOnly: true } }] }],
  },
  devtool: 'nosources-source-map',
  infrastructureLogging: { level: 'warn' },
  stats: 'errors-warnings',
  performance: { hints: false },
};

const bundles = [
  {
    ...common,
    name: 'extension',
    entry: './src/extension/extension.ts',
    output: { path: path.resolve(__dirname, 'dist'), filename: 'extension.js', libraryTarget: 'commonjs2' },
    externals: { vscode: 'commonjs vscode' },
  },
  {
    ...common,
    // The analysis runs here, off the extension host's main thread (worker_threads).
    name: 'worker',
    entry: './src/extension/analysis-worker.ts',
    output: { path: path.resolve(__dirname, 'dist'), filename: 'worker.js', libraryTarget: 'commonjs2' },
  },
  {
    ...common,
    name: 'cli',
    entry: './src/cli/main.ts',
    output: { path: path.resolve(__dirname, 'dist'), filename: 'cli.js', libraryTarget: 'commonjs2' },
  },
  {
    // The topology diagram page: browser code, bundled on its own, no Node built-ins.
    name: 'webview',
    target: 'web',
    mode: 'none',
    entry: './src/webview/main.ts',
    output: { path: path.resolve(__dirname, 'dist'), filename: 'webview.js' },
    resolve: { extensions: ['.ts', '.js'] },
    module: {
      rules: [{ test: /\.ts$/, exclude: /node_modules/, use: [{ loader: 'ts-loader', options: { configFile: 'tsconfig.webview.json', transpileOnly: true } }] }],
    },
    devtool: false,
    stats: 'errors-warnings',
    performance: { hints: false },
  },
];

// A bundle whose entry does not exist yet (a feature still being written) is left out.
module.exports = bundles.filter((b) => fs.existsSync(path.resolve(__dirname, b.entry)));
