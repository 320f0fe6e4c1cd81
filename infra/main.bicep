// CityZen connector in Azure: Function App (Flex Consumption, Python 3.11, system-assigned
// identity), its storage account, a Service Bus namespace with the submission and webhook queues,
// Application Insights, a Key Vault for secrets, the reference portal (web/) as a Static Web App
// with the Function App as its linked backend, and the role assignments between them.
// No connection string or key is stored anywhere: every service is reached with the app's
// managed identity ("Identity-based connections", "Flex Consumption plan hosting", Microsoft Learn).
// One exception, Dataverse's: its service endpoint posts case events with a shared access key,
// so the case-events queue has a namespace of its own with one send-only rule on that queue.
//
//   az group create -n rg-cityzen -l francecentral
//   az deployment group create -g rg-cityzen -f infra/main.bicep -p @infra/main.parameters.json
//   func azure functionapp publish <functionAppName> --python   (or: az functionapp deployment ...)

targetScope = 'resourceGroup'

@description('Short name used in every resource name (3-11 lowercase letters or digits).')
@minLength(3)
@maxLength(11)
param appName string = 'cityzen'

@description('Azure region. Flex Consumption exists in a subset of regions (francecentral included).')
param location string = resourceGroup().location

@description('Dataverse organisation URL, e.g. https://contoso.crm4.dynamics.com')
param dataverseUrl string

@description('Entra ID tenant of the Dataverse organisation and of agents.')
param tenantId string = subscription().tenantId

@description('Client id of the Function App identity as registered as a Dataverse application user; empty: the system-assigned identity.')
param dataverseClientId string = ''

@description('Maximum instances. Keep maxConcurrentCalls (host.json, 4) x this under Dataverse\'s 52 concurrent requests per user, with room for the HTTP API: 10 x 4 = 40.')
@minValue(1)
@maxValue(13)
param maximumInstanceCount int = 10

@description('Memory per instance (MB).')
@allowed([ 512, 2048, 4096 ])
param instanceMemoryMB int = 2048

@description('Who may call the API: function_key, bearer or both (see docs/identity.md).')
@allowed([ 'function_key', 'bearer', 'both' ])
param authMode string = 'function_key'

@description('RGPD retention of rejected messages, records and blobs (days).')
@minValue(1)
param retentionDays int = 30

@description('Object id of the person or group deploying, granted Key Vault Secrets Officer to set the secrets once.')
param secretsOfficerObjectId string = ''

@description('Portal endpoint(s) receiving signed case status webhooks, https, comma-separated; empty: webhooks off. Their signing secret(s) are the Key Vault secret webhook-secrets (docs/webhooks.md).')
param webhookUrls string = ''

@description('The town\'s news feeds (RSS or Atom), comma-separated http(s) URLs; empty: no news (docs/portal.md).')
param newsFeedUrls string = ''

@description('The town\'s agenda (events) feeds, comma-separated http(s) URLs; empty: no agenda.')
param agendaFeedUrls string = ''

@description('When the refresh_feeds timer fetches the feeds: a 6-field NCRONTAB expression, UTC.')
param feedsRefreshSchedule string = '0 */15 * * * *'

@description('E-mail address alerts are sent to (the action group\'s receiver); empty: alerts fire and show in the portal, no e-mail.')
param alertEmail string = ''

@description('Alert when a submission has waited longer than this since it was first queued (minutes).')
@minValue(5)
param oldestSubmissionAlertMinutes int = 30

// Static Web Apps runs in a few regions only ("The provided location ... is not available for
// resource type 'Microsoft.Web/staticSites'"); its files are served from the edge everywhere, the
// region holds the resource. West Europe is the closest to France Central.
@description('Region of the portal\'s Static Web App (Static Web Apps exist in these regions only).')
@allowed([ 'westeurope', 'eastus2', 'centralus', 'westus2', 'eastasia' ])
param portalLocation string = 'westeurope'

@description('Name of the portal\'s Static Web App; empty: swa-<appName>-<suffix>.')
@maxLength(40)
param portalName string = ''

// The app's CORS always allows the portal's default host name (https://<name>.azurestaticapps.net);
// a custom domain's origin is added here, exactly (scheme and host, no path, no trailing slash).
@description('Other origins of the portal allowed to call the API from a browser (its custom domains, as https://portail.ville.example.fr); never a wildcard.')
param portalCustomOrigins array = []

var suffix = uniqueString(resourceGroup().id, appName)
var storageName = take(toLower('st${appName}${suffix}'), 24)
var attachmentsContainer = 'attachments'
var deploymentContainer = 'app-package'
var submissionsQueue = 'submissions'
var webhooksQueue = 'webhooks'
var caseEventsQueue = 'case-events'
var profileUpdatesQueue = 'profile-updates'
var stateTable = 'cityzenstate'

// Built-in role definition ids ("Azure built-in roles", Microsoft Learn).
var roles = {
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  // The Functions host (AzureWebJobsStorage: timer monitor, leases) and the Flex deployment
  // container need Blob Data Owner; it includes Blob Data Contributor (attachments).
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// -- storage: host state, deployment package, attachments (blobs), state store (tables) --------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: no virtual network in this template; the Flex Consumption app reaches its host storage over the public endpoint, and shared keys are off (Entra ID roles only)
  // checkov:skip=CKV_AZURE_206: Standard_ZRS replicates across the region's availability zones; geo-replication would keep citizens' attachments beyond the RGPD retention in a second region
  // checkov:skip=CKV_AZURE_43: the name is computed (take(toLower('st' + appName + uniqueString), 24)), lowercase letters and digits, 24 at most; checkov cannot evaluate it
  name: storageName
  location: location
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identity only
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource attachments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: attachmentsContainer
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource table 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: stateTable
}

// -- Service Bus: the submissions queue and the parking queue of rejected ones ----------------

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: 'sb-${appName}-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' } // duplicate detection needs Standard or Premium
  properties: {
    disableLocalAuth: true // no SAS keys: Entra ID roles only
    minimumTlsVersion: '1.2'
  }
}

// The embedded queue's defaults (settings queue_*) mirror these values; a test keeps them equal.
resource submissions 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: serviceBus
  name: submissionsQueue
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    maxSizeInMegabytes: 1024
  }
}

// Rejected submissions are parked here for replay, then expire (RGPD): no dead-lettering on
// expiry, or the personal data would move to the dead-letter sub-queue and stay.
resource rejected 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: serviceBus
  name: '${submissionsQueue}-rejected'
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P${retentionDays}D'
    deadLetteringOnMessageExpiration: false
    maxSizeInMegabytes: 1024
  }
}

// The webhook outbox (cityzen_connector/cases): case status changes waiting for delivery to the
// portal. As the submissions queue: duplicate detection drops an event published twice (its id is
// the message id), a failing endpoint's retries are scheduled copies.
resource webhooks 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: serviceBus
  name: webhooksQueue
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    maxSizeInMegabytes: 1024
  }
}

// Webhooks an endpoint refused or that outlived the give-up age, for `cityzen queue --queue
// webhooks dead replay`; they expire with the retention period.
resource webhooksRejected 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: serviceBus
  name: '${webhooksQueue}-rejected'
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P${retentionDays}D'
    deadLetteringOnMessageExpiration: false
    maxSizeInMegabytes: 1024
  }
}

// Citizens' contact changes (PATCH /api/v1/citizens/me, docs/profile.md) waiting to be applied
// to Dynamics 365. As the submissions queue: duplicate detection, back-off by scheduled copies.
resource profileUpdates 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: serviceBus
  name: profileUpdatesQueue
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: true
    maxSizeInMegabytes: 1024
  }
}

// Contact changes that cannot apply (or outlived their attempts), for `cityzen queue --queue
// profile-updates dead replay`; they hold personal data and expire with the retention period.
resource profileUpdatesRejected 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: serviceBus
  name: '${profileUpdatesQueue}-rejected'
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P${retentionDays}D'
    deadLetteringOnMessageExpiration: false
    maxSizeInMegabytes: 1024
  }
}

// -- Service Bus: the case events Dataverse posts (docs/cases.md) ------------------------------

// A Dataverse service endpoint authenticates with a shared access key or token only (ServiceEndpoint
// table, AuthType: SAS Key, SAS Token, Connection String...): local auth must be on where it
// sends. It is on in this namespace alone, which holds this one queue, and the one rule is
// send-only, on the queue: no namespace-wide key is ever used or output.
resource eventsBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: 'sbev-${appName}-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: false // Dataverse's service endpoint: SAS only
    minimumTlsVersion: '1.2'
  }
}

// The embedded queue's defaults mirror these values too. No dead-lettering on expiry: an event
// not processed in 14 days is dropped (it holds the case's post-image), and change tracking
// (the reconcile_cases timer) brings the change back.
resource caseEvents 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: eventsBus
  name: caseEventsQueue
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    deadLetteringOnMessageExpiration: false
    maxSizeInMegabytes: 1024
  }
}

// What `cityzen dataverse register-events` gives the service endpoint (its key is read with
// `az servicebus queue authorization-rule keys list`, kept in Key Vault, never output here).
resource dataverseSend 'Microsoft.ServiceBus/namespaces/queues/authorizationRules@2022-10-01-preview' = {
  parent: caseEvents
  name: 'dataverse-send'
  properties: {
    rights: [ 'Send' ]
  }
}

// Case events the connector cannot read are parked here with their reason (the app sends with
// its identity, on the main namespace), then expire with the retention period.
resource caseEventsRejected 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: serviceBus
  name: '${caseEventsQueue}-rejected'
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    defaultMessageTimeToLive: 'P${retentionDays}D'
    deadLetteringOnMessageExpiration: false
    maxSizeInMegabytes: 1024
  }
}

// -- monitoring ----------------------------------------------------------------------------

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${appName}-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: max(30, retentionDays) // the workspace's minimum is 30 days
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${appName}-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true // telemetry is accepted from Entra ID identities only
  }
}

// -- monitoring: the workbook, the alerts and who they tell ----------------------------------
// The custom metrics (customMetrics, cityzen.*) are the names in cityzen_connector/_metrics.py;
// tests/test_monitoring.py checks every name used here and in the workbook is one the code
// emits. Queue depth and dead letters are Service Bus platform metrics ("Monitoring Azure
// Service Bus data reference", Microsoft Learn).

var rejectedQueues = [ '${submissionsQueue}-rejected', '${webhooksQueue}-rejected', '${caseEventsQueue}-rejected', '${profileUpdatesQueue}-rejected' ]

resource opsGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${appName}-${suffix}'
  location: 'global'
  properties: {
    groupShortName: take('cz-${appName}', 12)
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      {
        name: 'ops'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Anything in a dead-letter sub-queue (delivery count exhausted, or expired where that
// dead-letters) needs a person: `cityzen queue dead` lists it.
resource deadLettersAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-dead-letters-${appName}'
  location: 'global'
  properties: {
    description: 'Messages in a dead-letter sub-queue of the connector\'s namespace.'
    severity: 2
    enabled: true
    scopes: [ serviceBus.id ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadletteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [ { name: 'EntityName', operator: 'Include', values: [ '*' ] } ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [ { actionGroupId: opsGroup.id } ]
  }
}

resource eventsDeadLettersAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-case-events-dead-letters-${appName}'
  location: 'global'
  properties: {
    description: 'Case events Dataverse posted that exhausted their deliveries.'
    severity: 2
    enabled: true
    scopes: [ eventsBus.id ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadletteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [ { name: 'EntityName', operator: 'Include', values: [ '*' ] } ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [ { actionGroupId: opsGroup.id } ]
  }
}

// The connector's own dead letters: the *-rejected parking queues (replayed with `cityzen queue`).
resource rejectedAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-rejected-${appName}'
  location: 'global'
  properties: {
    description: 'Submissions, webhooks or case events parked in a -rejected queue.'
    severity: 2
    enabled: true
    scopes: [ serviceBus.id ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'ActiveMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'ActiveMessages'
          dimensions: [ { name: 'EntityName', operator: 'Include', values: rejectedQueues } ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [ { actionGroupId: opsGroup.id } ]
  }
}

// Log alerts over Application Insights ("Create or edit a log search alert rule", Microsoft Learn).
resource oldestSubmissionAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-oldest-submission-${appName}'
  location: location
  kind: 'LogAlert'
  properties: {
    displayName: 'oldest queued submission (${appName})'
    description: 'A submission has waited longer than the threshold since it was first queued.'
    severity: 2
    enabled: true
    scopes: [ insights.id ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "cityzen.submissions.queue_age_ms" | summarize oldest_ms = max(valueMax)'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'oldest_ms'
          operator: 'GreaterThan'
          threshold: oldestSubmissionAlertMinutes * 60000
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ opsGroup.id ] }
  }
}

resource breakerAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-breaker-open-${appName}'
  location: location
  kind: 'LogAlert'
  properties: {
    displayName: 'circuit breaker open (${appName})'
    description: 'Dataverse failed systemically: submissions wait in the queue until a probe succeeds.'
    severity: 1
    enabled: true
    scopes: [ insights.id ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "cityzen.breaker.opened" | summarize openings = sum(valueSum)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'openings'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ opsGroup.id ] }
  }
}

// Function executions that failed (an exception, a 5xx); a citizen's 4xx is not a failure of ours.
resource failedExecutionsAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'alert-failed-executions-${appName}'
  location: location
  kind: 'LogAlert'
  properties: {
    displayName: 'failed executions (${appName})'
    description: 'Function executions that failed in the last 15 minutes.'
    severity: 2
    enabled: true
    scopes: [ insights.id ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: 'requests | where success == false and not(resultCode startswith "4")'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ opsGroup.id ] }
  }
}

// The workbook (infra/monitoring.workbook.json), its Service Bus charts pointed at this deployment's namespaces.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, appName, 'cityzen-workbook')
  location: location
  kind: 'shared'
  properties: {
    displayName: 'CityZen connector (${appName})'
    category: 'workbook'
    sourceId: insights.id
    serializedData: replace(replace(loadTextContent('monitoring.workbook.json'), '__SERVICE_BUS_ID__', serviceBus.id), '__EVENTS_BUS_ID__', eventsBus.id)
  }
}

// -- secrets -------------------------------------------------------------------------------

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: no virtual network in this template; the app resolves Key Vault references over the public endpoint; access is Entra ID RBAC only
  // checkov:skip=CKV_AZURE_189: as CKV_AZURE_109: public network access is needed without private endpoints
  name: take('kv-${appName}-${suffix}', 24)
  location: location
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

// The identity pepper must be set once and never change (it keys every contact): created
// here with a random value only if absent is not expressible in Bicep, so the secret is set
// by an operator (docs/deployment.md): az keyvault secret set --name identity-pepper ...
var pepperReference = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=identity-pepper)'
// The webhooks' signing secret(s), whsec_..., comma-separated during a rotation; set by an
// operator too (docs/webhooks.md). Referenced only when webhooks are on: an unresolved
// reference would reach the app as text, which the settings check refuses.
var webhookSecretsReference = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=webhook-secrets)'

// -- the Function App ----------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy on Flex Consumption keeps two always-ready instances billed per function group; the queues (Service Bus Standard) hold the work through an outage
  name: 'plan-${appName}-${suffix}'
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: the API is public: the citizen portal and agents call it (function keys or Entra ID tokens, docs/identity.md)
  // checkov:skip=CKV_AZURE_17: callers authenticate with tokens or function keys; client certificates would refuse the portal's browsers
  // checkov:skip=CKV_AZURE_212: Flex Consumption scales instances on demand; there is no minimum instance count to set for failover
  // checkov:skip=CKV_AZURE_213: the platform health check is not supported on Flex Consumption; GET /api/v1/health and the alerts below watch the app
  name: 'func-${appName}-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'python', version: '3.11' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      // The portal's exact origins, no credentials (its token is a header): see the portal below.
      cors: {
        allowedOrigins: concat([ 'https://${portal.properties.defaultHostname}' ], portalCustomOrigins)
        supportCredentials: false
      }
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        // Host storage through the identity (no account key).
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        // Telemetry: OpenTelemetry (host.json telemetryMode), Entra ID authenticated.
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD' }
        { name: 'PYTHON_ENABLE_OPENTELEMETRY', value: 'true' }
        // The trigger's connection (functions/queue_workers.py: connection="ServiceBusConnection").
        { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: '${serviceBus.name}.servicebus.windows.net' }
        // The case-events trigger's connection (functions/case_events.py: "CaseEventsConnection").
        { name: 'CaseEventsConnection__fullyQualifiedNamespace', value: '${eventsBus.name}.servicebus.windows.net' }
        // The connector's own settings (cityzen_connector/settings.py).
        { name: 'CITYZEN_QUEUE_URL', value: 'servicebus://${serviceBus.name}.servicebus.windows.net' }
        { name: 'CITYZEN_SUBMISSIONS_QUEUE', value: submissionsQueue }
        { name: 'CITYZEN_WEBHOOKS_QUEUE', value: webhooksQueue }
        { name: 'CITYZEN_WEBHOOK_URLS', value: webhookUrls }
        { name: 'CITYZEN_WEBHOOK_SECRETS', value: empty(webhookUrls) ? '' : webhookSecretsReference }
        { name: 'CITYZEN_CASE_EVENTS_QUEUE', value: caseEventsQueue }
        { name: 'CITYZEN_PROFILE_UPDATES_QUEUE', value: profileUpdatesQueue }
        // No mail or SMS gateway is deployed: the portal notifies from the webhook's channel.
        { name: 'CITYZEN_NOTIFIER_URL', value: 'none://' }
        { name: 'CITYZEN_STORE_URL', value: 'azuretables://${storage.name}.table.${environment().suffixes.storage}?table=${stateTable}' }
        { name: 'CITYZEN_BLOB_URL', value: 'azureblob://${storage.name}.blob.${environment().suffixes.storage}/${attachmentsContainer}' }
        { name: 'CITYZEN_DATAVERSE_URL', value: dataverseUrl }
        { name: 'CITYZEN_DATAVERSE_AUTH', value: 'managed_identity' }
        { name: 'CITYZEN_DATAVERSE_CLIENT_ID', value: dataverseClientId }
        { name: 'CITYZEN_DATAVERSE_TENANT_ID', value: tenantId }
        { name: 'CITYZEN_IDENTITY_PEPPER', value: pepperReference }
        { name: 'CITYZEN_AUTH_MODE', value: authMode }
        { name: 'CITYZEN_RETENTION_DAYS', value: string(retentionDays) }
        { name: 'CITYZEN_MAPPINGS_DIR', value: '/home/site/wwwroot/mappings' }
        // Address help: the IGN Géoplateforme, limited to 50 requests/s per IP; instances may
        // share an outbound address, so they share 40/s between them (settings.py).
        { name: 'CITYZEN_GEOCODER_URL', value: 'https://data.geopf.fr/geocodage' }
        { name: 'CITYZEN_GEOCODER_REQUESTS_PER_SECOND', value: string(max(1, 40 / maximumInstanceCount)) }
        { name: 'CITYZEN_FEEDS_NEWS_URLS', value: newsFeedUrls }
        { name: 'CITYZEN_FEEDS_AGENDA_URLS', value: agendaFeedUrls }
        { name: 'CITYZEN_FEEDS_REFRESH_SCHEDULE', value: feedsRefreshSchedule }
      ]
    }
  }
}

// -- role assignments: the app's identity, least privilege per resource --------------------

resource sbSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: serviceBus
  name: guid(serviceBus.id, app.id, roles.serviceBusDataSender)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
  }
}

resource sbReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: serviceBus
  name: guid(serviceBus.id, app.id, roles.serviceBusDataReceiver)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}

// The case-events trigger receives with the app's identity (the SAS rule is Dataverse's alone).
resource eventsReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: eventsBus
  name: guid(eventsBus.id, app.id, roles.serviceBusDataReceiver)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}

resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, app.id, roles.storageBlobDataOwner)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, app.id, roles.storageTableDataContributor)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

// The host keeps some state in queues of AzureWebJobsStorage (e.g. blob receipts).
resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, app.id, roles.storageQueueDataContributor)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, app.id, roles.keyVaultSecretsUser)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerObjectId)) {
  scope: vault
  name: guid(vault.id, secretsOfficerObjectId, roles.keyVaultSecretsOfficer)
  properties: {
    principalId: secretsOfficerObjectId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: insights
  name: guid(insights.id, app.id, roles.monitoringMetricsPublisher)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

// -- the reference portal (web/): an Azure Static Web App calling the Function App directly ---
// The portal's files only: its config.json names the API (the functionAppUrl output) and the
// app's CORS (siteConfig.cors above) answers the browsers for the portal's exact origins, its
// default host name and portalCustomOrigins, never a wildcard, without credentials: the portal
// sends its token in a header, never a cookie (Learn: Manage your function app, CORS;
// Microsoft.Web sites, CorsSettings). No linked backend ("Bring your own functions to
// Azure Static Web Apps", Microsoft Learn): Static Web Apps would replace the citizens' bearer
// Authorization header on the requests it proxies (Azure/static-web-apps#34, open; #158, #275,
// #313), and linking takes exclusive access to the app. The files are uploaded by the workflow
// (.github/workflows/deploy.yml, Azure/static-web-apps-deploy with api_location empty), not by a
// repository link, so no GitHub token is stored here. web/staticwebapp.config.json configures
// routes, fallback and headers ("Configure Azure Static Web Apps", Microsoft Learn);
// tests/test_portal_config.py checks it.

resource portal 'Microsoft.Web/staticSites@2023-12-01' = {
  name: empty(portalName) ? 'swa-${appName}-${suffix}' : portalName
  location: portalLocation
  sku: { name: 'Standard', tier: 'Standard' } // production: Standard has an SLA, Free none
  properties: {
    // A preview (pull-request) portal would file real requests into the production API: none
    // are made.
    stagingEnvironmentPolicy: 'Disabled'
    allowConfigFileUpdates: true
  }
}

output functionAppName string = app.name
output functionAppUrl string = 'https://${app.properties.defaultHostName}/api/v1/'
output principalId string = app.identity.principalId
output serviceBusNamespace string = '${serviceBus.name}.servicebus.windows.net'
output keyVaultName string = vault.name
output caseEventsNamespace string = '${eventsBus.name}.servicebus.windows.net'
output caseEventsQueue string = caseEventsQueue
output caseEventsSendRule string = dataverseSend.name
output staticWebAppName string = portal.name
output portalHostName string = portal.properties.defaultHostname
output portalUrl string = 'https://${portal.properties.defaultHostname}/'
