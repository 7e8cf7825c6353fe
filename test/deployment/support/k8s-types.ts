import { join } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '@revive/config';
import type { K8sObject } from './kustomize.ts';

/**
 * Fields the Kubernetes API does not know. The OpenAPI schemas leave additionalProperties open,
 * so a misspelt field (`readinessProb`) passes schema validation and the API server drops or
 * rejects it only at apply time. kubernetes-models also ships the API as TypeScript interfaces;
 * assigning each rendered object, as an object literal, to its interface makes the compiler's
 * excess-property check find such fields, offline. Custom resources are skipped (their vendored
 * CRD schemas already reject unknown fields).
 */
export function unknownFieldProblems(objects: readonly K8sObject[], isCustom: (o: K8sObject) => boolean): string[] {
  const checked = objects.filter((o) => !isCustom(o));
  const virtual = join(repoRoot, 'test/deployment/__k8s-types-check__.ts');
  const lines = checked.map((o, i) => {
    const module = `kubernetes-models/${o.apiVersion}/${o.kind}`;
    return `import type { I${o.kind} as T${i} } from '${module}';\nexport const o${i}: T${i} = ${JSON.stringify(o)};`;
  });
  const text = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === virtual ? text : readFile(f));
  host.fileExists = (
    (exists) => (f: string) =>
      f === virtual || exists(f)
  )(host.fileExists.bind(host));
  host.getSourceFile = (f, lang, ...rest) => (f === virtual ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, ...rest));
  const program = ts.createProgram([virtual], options, host);
  const source = program.getSourceFile(virtual)!;
  return ts.getPreEmitDiagnostics(program, source).map((d) => {
    const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
    const object = checked[Math.floor(line / 2)];
    return `${object?.kind}/${object?.metadata.name}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}
