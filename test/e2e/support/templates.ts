import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { WorkflowExport } from './n8n-instance';

const TEMPLATES = resolve(__dirname, '..', '..', '..', 'workflows-templates');

/** The template folders under workflows-templates/. */
export function templateNames(): string[] {
  return readdirSync(TEMPLATES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export function loadTemplate(name: string): WorkflowExport {
  return JSON.parse(readFileSync(join(TEMPLATES, name, 'workflow.json'), 'utf8')) as WorkflowExport;
}

/** `<webhookId>/<path>` of a template's webhook trigger node, as n8n registers it. */
export function webhookPathOf(workflow: WorkflowExport, nodeName: string): string {
  const node = workflow.nodes.find((candidate) => candidate.name === nodeName);
  if (!node?.webhookId) throw new Error(`${workflow.name}: no webhook node "${nodeName}"`);
  return `${node.webhookId}/${String(node.parameters.path)}`;
}
