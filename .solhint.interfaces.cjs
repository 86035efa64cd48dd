// Solhint config for contracts/interfaces (issue 14, "Interfaces stand alone"): the repo's
// .solhint.json plus `use-natspec` as an error. `npm run lint:sol` runs it as a second pass:
//   solhint -c .solhint.interfaces.cjs 'contracts/interfaces/**/*.sol'
// A JS file because solhint's `extends` only takes core rulesets, packages or absolute paths,
// so a JSON config cannot extend ./.solhint.json; requiring it keeps one source of truth.
//
// What `use-natspec` (solhint 6.2.4) checks here:
// - interfaces: @title and @notice (no @author: the project does not use it);
// - external functions: @notice, one @param per parameter in declaration order, and one
//   @return per named return value, names in order (unnamed returns are not checked);
// - events: @notice and one @param per parameter in order.
// The rule has no check for custom errors or structs: their NatSpec is kept by review.
const base = require("./.solhint.json");

module.exports = {
  ...base,
  rules: {
    ...base.rules,
    "use-natspec": [
      "error",
      {
        title: { enabled: true },
        author: { enabled: false },
        notice: { enabled: true },
        param: { enabled: true },
        return: { enabled: true },
      },
    ],
  },
};
