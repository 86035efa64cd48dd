// The CommonJS build of the packed SDK: `require` resolves dist/cjs through the exports map.
const sdk = require("@crossmargin/sdk");
const { abis } = require("@crossmargin/sdk/abis");
const owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
console.log(
  JSON.stringify({
    client: typeof sdk.CrossmarginClient,
    account: sdk.accountId(owner, 7).toString(),
    contracts: Object.keys(abis).sort(),
    decoded: sdk.decodeError(sdk.engineInterface.encodeErrorResult("SlippageBoundRequired", []))
      ?.name,
  }),
);
