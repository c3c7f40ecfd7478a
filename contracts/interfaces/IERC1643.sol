// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.27;

/**
 * @title IERC1643
 * @notice ERC-1643 Document Management Standard: legal documents (prospectus, terms) attached to a
 * token by name, with a URI and a content hash.
 */
interface IERC1643 {
    event DocumentUpdated(bytes32 indexed name, string uri, bytes32 documentHash);
    event DocumentRemoved(bytes32 indexed name, string uri, bytes32 documentHash);

    /// @notice The document `name`: its URI, content hash and last modification time.
    function getDocument(bytes32 name) external view returns (string memory, bytes32, uint256);

    /// @notice Attaches or replaces the document `name`.
    function setDocument(bytes32 name, string calldata uri, bytes32 documentHash) external;

    /// @notice Removes the document `name`.
    function removeDocument(bytes32 name) external;

    /// @notice The names of all attached documents.
    function getAllDocuments() external view returns (bytes32[] memory);
}
