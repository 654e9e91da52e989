/**
 * Copies what tsc does not: node and credential icons, and the importable workflow templates.
 * Globs that match nothing copy nothing, so the build works before any icon or template exists.
 */
const { src, dest, parallel } = require('gulp');

// gulp 5 reads files as UTF-8 by default, which would corrupt PNG icons.
const binarySafe = { encoding: false, allowEmpty: true };

function copyIcons() {
  return src(['nodes/**/*.{svg,png}', 'credentials/**/*.{svg,png}'], { ...binarySafe, base: '.' }).pipe(dest('dist'));
}

function copyWorkflowTemplates() {
  return src(['workflows-templates/**/*.json', 'workflows-templates/**/README.md'], {
    ...binarySafe,
    base: 'workflows-templates',
  }).pipe(dest('dist/workflows-templates'));
}

exports.build = parallel(copyIcons, copyWorkflowTemplates);
