/** A WSDL 1.1 document of a SOAP service with a SOAP 1.1 and a SOAP 1.2 port (test/gateway/soap-import.test.ts, test/e2e/az-cli.test.ts). */
export const CALCULATOR_WSDL = `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
    xmlns:tns="http://tempuri.org/" xmlns:s="http://www.w3.org/2001/XMLSchema" targetNamespace="http://tempuri.org/"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">
  <wsdl:types>
    <s:schema elementFormDefault="qualified" targetNamespace="http://tempuri.org/">
      <s:element name="Add"><s:complexType><s:sequence>
        <s:element minOccurs="1" maxOccurs="1" name="intA" type="s:int" />
        <s:element minOccurs="1" maxOccurs="1" name="intB" type="s:int" />
      </s:sequence></s:complexType></s:element>
      <s:element name="AddResponse"><s:complexType><s:sequence>
        <s:element minOccurs="1" maxOccurs="1" name="AddResult" type="s:int" />
      </s:sequence></s:complexType></s:element>
      <s:element name="Negate"><s:complexType><s:sequence>
        <s:element minOccurs="1" maxOccurs="1" name="value"><s:simpleType><s:restriction base="s:int"><s:maxInclusive value="1000" /></s:restriction></s:simpleType></s:element>
      </s:sequence></s:complexType></s:element>
      <s:element name="NegateResponse"><s:complexType><s:sequence>
        <s:element minOccurs="1" maxOccurs="1" name="NegateResult" type="s:int" />
      </s:sequence></s:complexType></s:element>
    </s:schema>
  </wsdl:types>
  <wsdl:message name="AddSoapIn"><wsdl:part name="parameters" element="tns:Add" /></wsdl:message>
  <wsdl:message name="AddSoapOut"><wsdl:part name="parameters" element="tns:AddResponse" /></wsdl:message>
  <wsdl:message name="NegateSoapIn"><wsdl:part name="parameters" element="tns:Negate" /></wsdl:message>
  <wsdl:message name="NegateSoapOut"><wsdl:part name="parameters" element="tns:NegateResponse" /></wsdl:message>
  <wsdl:portType name="CalculatorSoap">
    <wsdl:operation name="Add"><wsdl:documentation>Adds two integers.</wsdl:documentation>
      <wsdl:input message="tns:AddSoapIn" /><wsdl:output message="tns:AddSoapOut" /></wsdl:operation>
    <wsdl:operation name="Negate"><wsdl:input message="tns:NegateSoapIn" /><wsdl:output message="tns:NegateSoapOut" /></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="CalculatorSoap" type="tns:CalculatorSoap">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" />
    <wsdl:operation name="Add"><soap:operation soapAction="http://tempuri.org/Add" style="document" />
      <wsdl:input><soap:body use="literal" /></wsdl:input><wsdl:output><soap:body use="literal" /></wsdl:output></wsdl:operation>
    <wsdl:operation name="Negate"><soap:operation soapAction="http://tempuri.org/Negate" style="document" />
      <wsdl:input><soap:body use="literal" /></wsdl:input><wsdl:output><soap:body use="literal" /></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="CalculatorSoap12" type="tns:CalculatorSoap">
    <soap12:binding transport="http://schemas.xmlsoap.org/soap/http" />
    <wsdl:operation name="Add"><soap12:operation soapAction="http://tempuri.org/Add" style="document" />
      <wsdl:input><soap12:body use="literal" /></wsdl:input><wsdl:output><soap12:body use="literal" /></wsdl:output></wsdl:operation>
    <wsdl:operation name="Negate"><soap12:operation soapAction="http://tempuri.org/Negate" style="document" />
      <wsdl:input><soap12:body use="literal" /></wsdl:input><wsdl:output><soap12:body use="literal" /></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="Calculator">
    <wsdl:port name="CalculatorSoap" binding="tns:CalculatorSoap"><soap:address location="http://trustline-func.azurewebsites.net/calculator.asmx" /></wsdl:port>
    <wsdl:port name="CalculatorSoap12" binding="tns:CalculatorSoap12"><soap12:address location="http://trustline-func.azurewebsites.net/calculator.asmx" /></wsdl:port>
  </wsdl:service>
</wsdl:definitions>`;
