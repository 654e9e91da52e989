import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INodeTypeDescription } from 'n8n-workflow';

/** The icon files a node description names (`file:x.svg`, or light and dark variants) that are missing from its folder. */
export function missingIconFiles(description: INodeTypeDescription, folder: string): string[] {
  const icon = description.icon;
  const files = typeof icon === 'string' ? [icon] : icon ? [icon.light, icon.dark] : [];
  expect(files.length).toBeGreaterThan(0);
  return files.map((file) => String(file).replace('file:', '')).filter((file) => !existsSync(join(folder, file)));
}
