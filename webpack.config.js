// Two bundles from one source tree: the VS Code extension (vscode stays external, provided by
// the editor at run time) and the standalone `podpath` CLI.
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

module.exports = [
  {
    ...common,
    name: 'extension',
    entry: './src/extension/extension.ts',
    output: { path: path.resolve(__dirname, 'dist'), filename: 'extension.js', libraryTarget: 'commonjs2' },
    externals: { vscode: 'commonjs vscode' },
  },
  {
    ...common,
    name: 'cli',
    entry: './src/cli/main.ts',
    output: { path: path.resolve(__dirname, 'dist'), filename: 'cli.js', libraryTarget: 'commonjs2' },
  },
];
