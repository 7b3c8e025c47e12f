/**
 * Built-in Azure role definitions the twin knows for `roleDefinitions(roleName)` (their ids are the same in
 * every Azure tenant; listed in docs/differences.md). A role not listed is an error, never a made-up id.
 */
export const BUILTIN_ROLES: Record<string, string> = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  'Role Based Access Control Administrator': 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
  'Storage Account Contributor': '17d1049b-9a84-46fb-8f53-869881c3d3ab',
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  'Storage Blob Data Reader': '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Key Vault Administrator': '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  'Key Vault Secrets Officer': 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
  'Key Vault Crypto Service Encryption User': 'e147488a-f6f5-4113-8e2d-b22465e65bf6',
  'Website Contributor': 'de139f84-1756-47ae-9be6-808fbbe84772',
  'API Management Service Contributor': '312a565d-c81f-4fd8-895a-4e21e48d571c',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  'Monitoring Reader': '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
  'Monitoring Contributor': '749f88d5-cbae-40b8-bcfc-e573ddc772fa',
  'Log Analytics Contributor': '92aaf0da-9dab-42b6-94a3-d43ce8d16293',
  'Managed Identity Operator': 'f1a07417-d97a-45cb-824c-7a7467783830',
  'Managed Identity Contributor': 'e40ec5ca-96e0-45a2-b4ff-59039f2c2b59',
  'Network Contributor': '4d97b98b-1d4f-4787-a291-c67834d212e7',
  'Virtual Machine Contributor': '9980e02c-c2be-4d73-94e8-173b1dc7cf3c',
  AcrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  AcrPush: '8311e382-0749-4cb8-b61a-304f252e45ec',
};

/** The api-versions `providers(ns, type)` lists in the twin (the twin accepts any api-version). */
export const PROVIDER_API_VERSIONS = ['2023-01-01', '2022-09-01', '2021-04-01'];
