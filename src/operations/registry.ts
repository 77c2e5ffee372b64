/**
 * The operation registry: finds the declaration serving `$code` at a level and type. Routes, parameter
 * decoding and the CapabilityStatement all read from it.
 *
 * @see https://hl7.org/fhir/R4/operationdefinition.html
 */
import type { OperationDeclaration, OperationServices } from './types.ts';

/** Invocation level of an operation. */
export type OperationLevel = 'system' | 'type' | 'instance';

/** Lookup of declared operations. */
export class OperationRegistry<S extends OperationServices = OperationServices> {
  readonly declarations: readonly OperationDeclaration<S>[];

  constructor(declarations: readonly OperationDeclaration<S>[]) {
    const seen = new Set<string>();
    for (const d of declarations) {
      for (const level of levelsOf(d)) {
        for (const type of level === 'system' ? ['*'] : (d.definition.resource ?? [])) {
          const key = `${level}:${type}:${d.definition.code}`;
          if (seen.has(key)) throw new Error(`Operation $${d.definition.code} is declared twice for ${type} at ${level} level`);
          seen.add(key);
        }
      }
    }
    this.declarations = declarations;
  }

  /** The declaration of `$code` at this level for this resource type (`Resource` declarations serve every type). */
  find(code: string, level: OperationLevel, resourceType?: string): OperationDeclaration<S> | undefined {
    return this.declarations.find((d) => {
      if (d.definition.code !== code || !levelsOf(d).includes(level)) return false;
      if (level === 'system') return true;
      const resources: readonly string[] = d.definition.resource ?? [];
      return resourceType !== undefined && (resources.includes(resourceType) || resources.includes('Resource'));
    });
  }

  /** Declarations that apply to a resource type at type or instance level. */
  forType(resourceType: string): OperationDeclaration<S>[] {
    return this.declarations.filter((d) => {
      const resources: readonly string[] = d.definition.resource ?? [];
      return (d.definition.type || d.definition.instance) && (resources.includes(resourceType) || resources.includes('Resource'));
    });
  }

  /** Declarations invocable at system level. */
  system(): OperationDeclaration<S>[] {
    return this.declarations.filter((d) => d.definition.system);
  }
}

/** The levels at which a declaration can be invoked. */
export function levelsOf(declaration: { readonly definition: OperationDeclaration['definition'] }): OperationLevel[] {
  const levels: OperationLevel[] = [];
  if (declaration.definition.system) levels.push('system');
  if (declaration.definition.type) levels.push('type');
  if (declaration.definition.instance) levels.push('instance');
  return levels;
}
