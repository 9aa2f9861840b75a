export function hasRoleIn(roles: string[], allowed: string[]) {
  return roles.some((r) => allowed.includes(r));
}
