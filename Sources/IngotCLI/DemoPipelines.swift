/// The demo's Image Builder resources, as a user would write them in ingot.yaml: golden-web and
/// golden-api pipelines on Amazon Linux 2023, distributing to the demo's three regions. `golden: true`
/// is a distribution tag, not a recipe tag: only builds that passed their tests and were distributed
/// carry it (a failed build's AMI keeps the recipe's tags).
enum DemoPipelines {
    static let yaml = """
        imageBuilder:
          region: us-east-1
          components:
            - name: web-server
              semanticVersion: 2.3.0
              platform: Linux
              data: |
                schemaVersion: 1.0
                phases:
                  - name: build
                    steps:
                      - name: InstallNginx
                        action: ExecuteBash
                        inputs:
                          commands: ["dnf install -y nginx", "systemctl enable nginx"]
                  - name: validate
                    steps:
                      - name: CheckConfig
                        action: ExecuteBash
                        inputs:
                          commands: ["nginx -t"]
            - name: api-smoke
              semanticVersion: 1.0.0
              platform: Linux
              data: |
                schemaVersion: 1.0
                phases:
                  - name: test
                    steps:
                      - name: HealthCheck
                        action: ExecuteBash
                        maxAttempts: 2
                        inputs:
                          commands: ["curl -fsS http://localhost:8080/health"]
          imageRecipes:
            - name: golden-web
              semanticVersion: 2.3.0
              parentImage: arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x
              components:
                - componentArn: arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x
                - componentArn: web-server/2.x.x
                - componentArn: arn:aws:imagebuilder:us-east-1:aws:component/simple-boot-test-linux/x.x.x
              blockDeviceMappings: [{deviceName: /dev/xvda, ebs: {volumeSize: 30, volumeType: gp3}}]
              amiTags: {family: golden-web, team: web}
            - name: golden-api
              semanticVersion: 1.3.0
              parentImage: arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x
              components:
                - componentArn: arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x
                - componentArn: api-smoke/1.x.x
              blockDeviceMappings: [{deviceName: /dev/xvda, ebs: {volumeSize: 20, volumeType: gp3}}]
              amiTags: {family: golden-api, team: api}
          infrastructureConfigurations:
            - name: builders
              instanceTypes: [c6i.xlarge, c6a.xlarge]
              instanceProfileName: EC2InstanceProfileForImageBuilder
          distributionConfigurations:
            - name: web-everywhere
              distributions:
                - region: us-east-1
                  amiDistributionConfiguration: {name: "golden-web-2.3.0-{{ imagebuilder:buildVersion }}", amiTags: {golden: "true"}}
                  launchTemplateConfigurations: [{launchTemplateId: web-lt, setDefaultVersion: true}]
                  ssmParameterConfigurations: [{parameterName: /golden/web/latest}]
                - region: eu-west-1
                  amiDistributionConfiguration: {name: "golden-web-2.3.0-{{ imagebuilder:buildVersion }}", amiTags: {golden: "true"}}
                  launchTemplateConfigurations: [{launchTemplateId: web-lt, setDefaultVersion: true}]
                - region: ap-southeast-2
                  amiDistributionConfiguration: {name: "golden-web-2.3.0-{{ imagebuilder:buildVersion }}", amiTags: {golden: "true"}}
                  launchTemplateConfigurations: [{launchTemplateId: web-lt, setDefaultVersion: true}]
            - name: api-everywhere
              distributions:
                - region: us-east-1
                  amiDistributionConfiguration: {name: "golden-api-1.3.0-{{ imagebuilder:buildVersion }}", amiTags: {golden: "true"}}
                  launchTemplateConfigurations: [{launchTemplateId: api-lt, setDefaultVersion: true}]
                - region: eu-west-1
                  amiDistributionConfiguration: {name: "golden-api-1.3.0-{{ imagebuilder:buildVersion }}", amiTags: {golden: "true"}}
          imagePipelines:
            - name: golden-web
              imageRecipeArn: golden-web/2.3.0
              infrastructureConfigurationArn: builders
              distributionConfigurationArn: web-everywhere
              schedule:
                scheduleExpression: cron(0 6 ? * MON *)
                timezone: Europe/Berlin
                autoDisablePolicy: {failureCount: 3}
            - name: golden-api
              imageRecipeArn: golden-api/1.3.0
              infrastructureConfigurationArn: builders
              distributionConfigurationArn: api-everywhere
        """
}
